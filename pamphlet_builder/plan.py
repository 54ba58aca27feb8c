"""The request: which materials, languages and variants a build makes, or
why the request is wrong; and which outputs the project still makes at all
(the others are retired and deleted).
"""

from __future__ import annotations

from typing import Callable

from . import paths
from .content import Language, Material, Project
from .errors import BuildError, ContentError
from .model import BuildOptions, Job
from .sheets import sheet_paths
from .translations import missing_folders, translated_languages
from .variants import BY_NAME, OFFICE_VARIANTS, TARGETS, Target


def plan(project: Project, options: BuildOptions) -> tuple[list[Material], list[Language],
                                                           list[BuildError]]:
    """The materials and languages to build, or why the request is wrong."""
    errors: list[BuildError] = list(project.errors)
    unknown = [m for m in options.materials if m not in project.materials]
    if unknown:
        errors.append(ContentError(f"unknown material(s): {', '.join(unknown)}",
                                   hint=f"materials: {', '.join(project.materials)}"))
    for code in missing_folders(project):       # listed, never silently skipped
        errors.append(ContentError(
            f"language '{code}' is listed but has no translations/{code}/ folder",
            project.content_dir / "languages.yaml",
            hint=f"run `python make_pamphlets.py translations new {code}`, or remove it from "
                 "languages.yaml"))
    available = translated_languages(project)
    bad_langs = [code for code in options.langs if code not in available]
    if bad_langs:
        errors.append(ContentError(f"no translations for language(s): {', '.join(bad_langs)}",
                                   hint=f"languages: {', '.join(available)}; add one with "
                                        "`python make_pamphlets.py translations new CODE`"))
    target = TARGETS.get(options.target)
    if target is None:
        errors.append(ContentError(f"unknown target '{options.target}'",
                                   hint=f"targets: {', '.join(TARGETS)}"))
    bad_variants = [v for v in options.variants if v not in OFFICE_VARIANTS]
    if bad_variants:
        errors.append(ContentError(f"unknown variant(s): {', '.join(bad_variants)}",
                                   hint=f"variants: {', '.join(OFFICE_VARIANTS)}; "
                                        "for a print shop use --target shop"))
    materials = [project.materials[m] for m in (options.materials or project.materials)
                 if m in project.materials]
    languages = [project.languages[c] for c in (options.langs or available) if c in available]
    return materials, languages, errors


def jobs(materials: list[Material], languages: list[Language]) -> list[Job]:
    return [Job(m.id, lang.code) for m in materials for lang in languages]


def target(options: BuildOptions) -> Target:
    return TARGETS[options.target]


def still_made(project: Project) -> Callable[[str], bool]:
    """Whether the project still makes an output: false for the files of a
    retired material, language, variant or sheet."""
    langs = translated_languages(project)
    documents = {paths.document(m.id, code, v) for m in project.materials.values() for code in langs
                 for v in BY_NAME.values() if m.format is None or v.applies_to(m)}
    documents |= {paths.web_page(m.id, code) for m in project.materials.values() for code in langs}
    sheets, mixes_known = sheet_paths(project, langs)
    return lambda path: path in documents or path in sheets or (
        not mixes_known and path.startswith(paths.MIXED_SHEETS))
