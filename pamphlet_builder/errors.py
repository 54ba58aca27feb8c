"""The few exceptions the builder raises, each naming the file it is about.

Who raises what:
- ContentError: content, contacts, languages, translations and templates
  that are wrong (a user's mistake, fixable by editing the named file).
- RenderError: a material that failed to render or did not fit its format.
- SetupError: something missing on this machine (fonts, libraries).
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


class ErrorList(Exception):
    """Several BuildErrors found in one pass, reported together."""

    def __init__(self, errors: list[BuildError]):
        super().__init__(f"{len(errors)} error(s)")
        self.errors = errors
