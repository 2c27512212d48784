"""Minimal QR code reader for the SVG path images of the ``qrcode`` library.

It reads the modules back from the SVG, reads the format information and
decodes the data (numeric, alphanumeric and byte segments), so the tests can
tell what a printed QR code actually encodes without a decoding library.
Error correction is not applied: the image is generated, not scanned.
"""

import re

from lxml import etree
from qrcode.base import rs_blocks
from qrcode.util import pattern_position

ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
# Format information: two bits of error correction level, three of mask.
FORMAT_MASK = 0b101010000010010
EC_LEVELS = {0b01: "L", 0b00: "M", 0b11: "Q", 0b10: "H"}
# qrcode's SvgPathImage: "M x0,y0 H x1 V y1 H x0 z"; OPTIS letters: "M x y h w v1 h-w z".
_RECT = re.compile(r"M\s*([\d.]+)[ ,]([\d.]+)\s*H\s*([\d.]+)\s*V\s*([\d.]+)\s*H\s*[\d.]+\s*z", re.IGNORECASE)
_RUN = re.compile(r"M([\d.]+) ([\d.]+)h([\d.]+)v1h-[\d.]+z")


def svg_to_matrix(svg):
    """Return the module matrix (list of lists of bools) drawn by ``svg``.

    :param bytes svg: SVG document whose paths draw one rectangle per dark
        module, in a view box measured in modules (quiet zone included)
    """
    root = etree.fromstring(svg)
    width = int(float(root.get("viewBox").split()[2]))
    rectangles = []
    for path in root.iter("{http://www.w3.org/2000/svg}path"):
        data = path.get("d")
        rectangles += [tuple(int(float(value)) for value in rectangle) for rectangle in _RECT.findall(data)]
        for run in _RUN.findall(data):
            x, y, length = (int(float(value)) for value in run)
            rectangles.append((x, y, x + length, y + 1))
    # The top left module of the top left finder pattern is always dark.
    border = min(min(x0, y0) for x0, y0, _x1, _y1 in rectangles)
    size = width - 2 * border
    matrix = [[False] * size for _row in range(size)]
    for x0, y0, x1, y1 in rectangles:
        for row in range(y0, y1):
            for col in range(x0, x1):
                matrix[row - border][col - border] = True
    return matrix


def read_format(matrix):
    """Return ``(error_correction_level, mask_pattern)`` from the format bits."""
    bits = [matrix[8][col] for col in (0, 1, 2, 3, 4, 5, 7, 8)] + [matrix[row][8] for row in (7, 5, 4, 3, 2, 1, 0)]
    value = int("".join("1" if bit else "0" for bit in bits), 2) ^ FORMAT_MASK
    return EC_LEVELS[value >> 13], (value >> 10) & 0b111


def _function_modules(size, version):
    reserved = set()
    for row0, col0 in ((0, 0), (0, size - 8), (size - 8, 0)):  # finders and separators
        reserved |= {(row, col) for row in range(row0, row0 + 8) for col in range(col0, col0 + 8)}
    positions = pattern_position(version)
    for row in positions:
        for col in positions:
            if (row, col) in reserved:  # would overlap a finder pattern
                continue
            reserved |= {(r, c) for r in range(row - 2, row + 3) for c in range(col - 2, col + 3)}
    reserved |= {(6, index) for index in range(size)} | {(index, 6) for index in range(size)}  # timing
    reserved |= {(8, index) for index in range(9)} | {(index, 8) for index in range(9)}  # format
    reserved |= {(8, size - 1 - index) for index in range(8)} | {(size - 1 - index, 8) for index in range(8)}
    if version >= 7:  # version information blocks
        reserved |= {(row, col) for row in range(6) for col in range(size - 11, size - 8)}
        reserved |= {(row, col) for row in range(size - 11, size - 8) for col in range(6)}
    return reserved


MASKS = {
    0: lambda row, col: (row + col) % 2 == 0,
    1: lambda row, col: row % 2 == 0,
    2: lambda row, col: col % 3 == 0,
    3: lambda row, col: (row + col) % 3 == 0,
    4: lambda row, col: (row // 2 + col // 3) % 2 == 0,
    5: lambda row, col: (row * col) % 2 + (row * col) % 3 == 0,
    6: lambda row, col: ((row * col) % 2 + (row * col) % 3) % 2 == 0,
    7: lambda row, col: ((row + col) % 2 + (row * col) % 3) % 2 == 0,
}
EC_CONSTANTS = {"L": 1, "M": 0, "Q": 3, "H": 2}  # qrcode.constants values


def decode_matrix(matrix):
    """Decode the text held by a QR code module matrix."""
    size = len(matrix)
    version = (size - 17) // 4
    level, mask = read_format(matrix)
    reserved = _function_modules(size, version)
    is_masked = MASKS[mask]
    bits = []
    col = size - 1
    upward = True
    while col > 0:
        if col == 6:  # the vertical timing pattern is skipped
            col -= 1
        rows = range(size - 1, -1, -1) if upward else range(size)
        for row in rows:
            for current in (col, col - 1):
                if (row, current) not in reserved:
                    bits.append(matrix[row][current] != is_masked(row, current))
        upward = not upward
        col -= 2
    codewords = [int("".join("1" if bit else "0" for bit in bits[i : i + 8]), 2) for i in range(0, len(bits) - 7, 8)]
    # De-interleave the data codewords of the blocks.
    blocks = rs_blocks(version, EC_CONSTANTS[level])
    data_blocks = [[] for _block in blocks]
    index = 0
    for position in range(max(block.data_count for block in blocks)):
        for block_index, block in enumerate(blocks):
            if position < block.data_count:
                data_blocks[block_index].append(codewords[index])
                index += 1
    data_bits = "".join(f"{codeword:08b}" for block in data_blocks for codeword in block)
    return _read_segments(data_bits, version)


def _read_segments(data_bits, version):
    size_class = 0 if version < 10 else 1 if version < 27 else 2
    count_bits = {0b0001: (10, 12, 14), 0b0010: (9, 11, 13), 0b0100: (8, 16, 16)}
    text = []
    position = 0

    def take(length):
        nonlocal position
        value = int(data_bits[position : position + length], 2)
        position += length
        return value

    while position + 4 <= len(data_bits):
        mode = take(4)
        if mode == 0:
            break
        if mode not in count_bits:
            raise ValueError(f"Unsupported QR segment mode {mode:04b}")
        count = take(count_bits[mode][size_class])
        if mode == 0b0100:
            text.append(bytes(take(8) for _index in range(count)).decode("utf-8"))
        elif mode == 0b0010:
            for _pair in range(count // 2):
                value = take(11)
                text.append(ALPHANUMERIC[value // 45] + ALPHANUMERIC[value % 45])
            if count % 2:
                text.append(ALPHANUMERIC[take(6)])
        else:
            digits = []
            for _triple in range(count // 3):
                digits.append(f"{take(10):03d}")
            rest = count % 3
            if rest:
                digits.append(f"{take(4 if rest == 1 else 7):0{rest}d}")
            text.append("".join(digits))
    return "".join(text)


def decode_svg(svg):
    """Decode the text of the QR code drawn by ``svg`` (see :func:`svg_to_matrix`)."""
    return decode_matrix(svg_to_matrix(svg))
