"""The one writer of the output folder refuses any path outside it (the
output folder's lifecycle through builds: tests/integration/test_lifecycle.py)."""

from __future__ import annotations


def test_the_one_writer_refuses_any_path_outside_the_output_folder(tmp_path):
    import pytest

    from pamphlet_builder.errors import BuildError
    from pamphlet_builder.outputs import write_output
    out = tmp_path / "output"
    out.mkdir()
    for rel in ("../escape.pdf", "/etc/x.pdf", "sheets/../../escape.pdf", ""):
        with pytest.raises(BuildError, match="outside the output folder"):
            write_output(out, rel, b"x")
    assert not (tmp_path / "escape.pdf").exists()
    write_output(out, "en/sheets/ok.pdf", b"x")
    assert (out / "en/sheets/ok.pdf").read_bytes() == b"x"
