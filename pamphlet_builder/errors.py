"""The few exceptions the builder raises, each naming the file it is about.

Who raises what:
- ContentError: content, contacts, languages, translations and templates
  that are wrong (a user's mistake, fixable by editing the named file).
- RenderError: a material that failed to render or did not fit its format.
- SetupError: something missing on this machine (fonts, libraries).
- InternalError: anything else that went wrong in one job (a bug, a full
  disk, a killed worker): that output fails, with the traceback kept for
  `output/build.log`, and the build goes on.
The CLI turns every one of them into a message and an exit code, never a
traceback.
"""

from __future__ import annotations

from pathlib import Path


class BuildError(Exception):
    """Base class: a problem a user can fix, reported without a traceback."""

    def __init__(self, message: str, path: Path | str | None = None,
                 line: int | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.path = Path(path) if path is not None else None
        self.line = line
        self.hint = hint

    def __reduce__(self):
        # Errors travel back from worker processes with their file and line.
        return (self.__class__, (self.message, self.path, self.line, self.hint))

    def location(self, root: Path | None = None) -> str:
        """`file:line` relative to the project, or '' when there is no file."""
        if self.path is None:
            return ""
        path = self.path
        if root is not None:
            try:
                path = path.resolve().relative_to(root.resolve())
            except ValueError:
                pass
        return f"{path}:{self.line}" if self.line else str(path)

    def format(self, root: Path | None = None) -> str:
        """Compiler-style message: `where: what` plus what to do."""
        where = self.location(root)
        text = f"{where}: {self.message}" if where else self.message
        if self.hint:
            text += f"\n    -> {self.hint}"
        return text

    def __str__(self) -> str:
        return self.format()


class ContentError(BuildError):
    """A content, contacts, language, translation or template file is wrong."""


class RenderError(BuildError):
    """A material could not be rendered, or did not fit its format."""


class SetupError(BuildError):
    """This machine lacks something the build needs (fonts, libraries)."""


class InternalError(BuildError):
    """Something unexpected failed in one job; `trace` is its traceback."""

    def __init__(self, message: str, path: Path | str | None = None,
                 line: int | None = None, hint: str | None = None, trace: str = ""):
        super().__init__(message, path, line, hint)
        self.trace = trace

    def __reduce__(self):
        return (self.__class__, (self.message, self.path, self.line, self.hint, self.trace))

    @classmethod
    def wrap(cls, exc: BaseException, doing: str) -> InternalError:
        import traceback
        kind = "out of disk space" if isinstance(exc, OSError) and exc.errno == 28 else type(exc).__name__
        return cls(f"internal error while {doing}: {kind}: {exc}",
                   getattr(exc, "filename", None) if isinstance(exc, OSError) else None,
                   hint="the details are in output/build.log; please report it if it is not "
                        "a full disk or a permissions problem",
                   trace="".join(traceback.format_exception(exc)))


def as_build_error(exc: Exception, doing: str) -> BuildError:
    """The job boundary's one rule: a user's mistake stays as it is; anything
    else becomes an InternalError for that output alone."""
    return exc if isinstance(exc, BuildError) else InternalError.wrap(exc, doing)


class ErrorList(Exception):
    """Several BuildErrors found in one pass, reported together."""

    def __init__(self, errors: list[BuildError]):
        super().__init__(f"{len(errors)} error(s)")
        self.errors = errors
