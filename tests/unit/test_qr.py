"""QR codes as the page draws them: the SVG path `qr.make_qr` writes, read
back into a module matrix by a parser of its own (SVG path commands, filled
by the nonzero rule at each module's centre), is the `qrcode` library's
matrix for the target (error correction M, a 4-module quiet zone), and a
QR reader decodes it to the target. No renderer: the matrix is the code."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import qrcode
import qrcode.constants
import zxingcpp
from hypothesis import given, settings, strategies as st
from PIL import Image

from pamphlet_builder.contacts import Contact, Phone
from pamphlet_builder.content import QRSpec
from pamphlet_builder.qr import make_qr

SVG = "{http://www.w3.org/2000/svg}"
FILLS = ["#000000", "device-cmyk(0 0 0 1)"]      # the office and the print shop inks


def path_matrix(d: str, size: int) -> list[list[bool]]:
    """The modules a path fills, read from its commands (M, L, H, V, Z in
    either case, with implicit repeats), by the nonzero winding rule (SVG's
    default) at the centre of every module of a size x size grid."""
    tokens = re.findall(r"[MmLlHhVvZz]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?", d)
    assert "".join(tokens) == re.sub(r"[\s,]+", "", d), f"a command this parser does not know: {d[:80]}"
    edges: list[tuple[float, float, float, float]] = []
    x = y = start_x = start_y = 0.0
    command, i = None, 0

    def number() -> float:
        nonlocal i
        value = float(tokens[i])
        i += 1
        return value

    while i < len(tokens):
        if tokens[i].isalpha():
            command = tokens[i]
            i += 1
            if command in "Zz":
                edges.append((x, y, start_x, start_y))
                x, y = start_x, start_y
                continue
        assert command is not None, "a path starts with a command"
        if command in "Mm":
            dx, dy = number(), number()
            x, y = (x + dx, y + dy) if command == "m" else (dx, dy)
            start_x, start_y = x, y
            command = "l" if command == "m" else "L"     # further pairs are line-tos
            continue
        if command in "Ll":
            dx, dy = number(), number()
            new = (x + dx, y + dy) if command == "l" else (dx, dy)
        elif command in "Hh":
            value = number()
            new = (x + value if command == "h" else value, y)
        elif command in "Vv":
            value = number()
            new = (x, y + value if command == "v" else value)
        else:
            raise AssertionError(f"unexpected command {command}")
        edges.append((x, y, *new))
        x, y = new
    matrix = []
    for row in range(size):
        cy = row + 0.5
        crossings = []          # (x where an edge crosses this row's centre line, direction)
        for x0, y0, x1, y1 in edges:
            if (y0 <= cy < y1) or (y1 <= cy < y0):
                crossings.append((x0 + (cy - y0) * (x1 - x0) / (y1 - y0), 1 if y1 > y0 else -1))
        matrix.append([sum(d for cx, d in crossings if cx > col + 0.5) != 0 for col in range(size)])
    return matrix


def library_matrix(target: str) -> list[list[bool]]:
    # Version 2 at least, as the builder asks (qr.MIN_VERSION): tel:911 fits version 1.
    code = qrcode.QRCode(version=2, error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(target)
    code.make(fit=True)
    return code.get_matrix()


def decode(matrix: list[list[bool]], scale: int = 4):
    """The matrix drawn as a picture (dark modules black), read as a phone would."""
    size = len(matrix)
    image = Image.new("L", (size, size))
    image.putdata([0 if dark else 255 for row in matrix for dark in row])
    image = image.resize((size * scale, size * scale), Image.NEAREST)
    return [r for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode]


def contact_for(action: str, target: str) -> Contact:
    if action == "call":
        digits = target.removeprefix("tel:")
        return Contact(id="c", name="C", does="d", source="tests", verified="2026-11",
                       phone=Phone(display=digits, tel_uri=target))
    return Contact(id="c", name="C", does="d", source="tests", verified="2026-11", url=target)


tel_targets = st.one_of(
    st.from_regex(r"\Atel:\+1[2-9]\d{2}[2-9]\d{6}\Z"),
    st.sampled_from(["tel:211", "tel:311", "tel:411", "tel:511", "tel:611", "tel:711", "tel:811",
                     "tel:911", "tel:988"]))
https_targets = st.builds(
    lambda labels, tld, path: "https://" + ".".join(labels) + "." + tld + path,
    st.lists(st.from_regex(r"\A[a-z0-9](?:[a-z0-9-]{0,14}[a-z0-9])?\Z"), min_size=1, max_size=3),
    st.from_regex(r"\A[a-z]{2,6}\Z"),
    st.from_regex(r"\A(?:/[A-Za-z0-9._~%!$&'()*+,;=:@-]{0,20}){0,4}/?\Z"))
targets = st.one_of(tel_targets.map(lambda t: ("call", t)), https_targets.map(lambda t: ("open", t)))


@settings(max_examples=25, deadline=None, database=None)
@given(targets, st.sampled_from(FILLS))
def test_the_svg_path_is_the_qr_code_of_its_target(case, fill):
    action, target = case
    code = make_qr(contact_for(action, target), QRSpec("c", action), fill)
    assert (code.target, code.action) == (target, action)
    svg = ET.fromstring(str(code.svg))
    assert svg.tag == f"{SVG}svg" and "width" not in svg.attrib and "height" not in svg.attrib
    [path] = list(svg)
    assert path.tag == f"{SVG}path" and path.get("fill") == fill
    size = code.modules
    assert svg.get("viewBox") == f"0 0 {size} {size}"
    matrix = path_matrix(path.get("d"), size)
    assert matrix == library_matrix(target)
    # A 4-module quiet zone all round, whatever the library does.
    for edge in (matrix[:4], matrix[-4:], [row[:4] for row in matrix], [row[-4:] for row in matrix]):
        assert not any(any(row) for row in edge)
    [read] = decode(matrix)
    assert read.text == target and read.ec_level == "M"


def test_the_path_parser_reads_squares_runs_and_relative_moves():
    """The parser itself, on paths written by hand: it must not merely
    agree with the code under test."""
    assert path_matrix("M1 0h2v1h-2z", 3) == [[False, True, True], [False] * 3, [False] * 3]
    assert path_matrix("M0 0H1V1H0Z m2 2 l1 0 l0 1 l-1 0 z", 3) == [
        [True, False, False], [False] * 3, [False, False, True]]
    # Nonzero, not even-odd: a square inside another, drawn the same way round, is no hole;
    # drawn the other way round, it is.
    assert path_matrix("M0 0h3v3h-3z M1 1h1v1h-1z", 3)[1] == [True, True, True]
    assert path_matrix("M0 0h3v3h-3z M1 1v1h1v-1z", 3)[1] == [True, False, True]
