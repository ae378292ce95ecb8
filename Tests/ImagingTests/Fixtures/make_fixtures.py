#!/usr/bin/env python3
"""Generates the tiny image fixtures of ImagingTests (run from this folder).

PNG files are built byte by byte (struct + zlib) so every colour type, bit depth, tRNS
and interlacing case is exactly what its name says. JPEG files need Pillow, used here
only to make fixtures:  python3 -m pip install pillow && python3 make_fixtures.py

The expected grey values are written out in ImageDecoderTests.swift; this script prints
them (computed with the same integer formulas the decoder documents) for checking.
"""
import struct
import zlib

import numpy as np

# ---------------------------------------------------------------- PNG writer


def chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def pack_row(samples, bit_depth: int) -> bytes:
    """Packs one row of samples (already interleaved channels) at bit_depth."""
    if bit_depth == 16:
        return b"".join(struct.pack(">H", int(s)) for s in samples)
    if bit_depth == 8:
        return bytes(int(s) for s in samples)
    per_byte = 8 // bit_depth
    out = bytearray()
    for i in range(0, len(samples), per_byte):
        group = list(samples[i:i + per_byte]) + [0] * (per_byte - len(samples[i:i + per_byte]))
        byte = 0
        for s in group:
            byte = (byte << bit_depth) | int(s)
        out.append(byte)
    return bytes(out)


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def write_png(path, samples, color_type, bit_depth, palette=None, trns=None, interlace=False):
    """samples: array (height, width, channels) of sample values at bit_depth."""
    samples = np.asarray(samples)
    if samples.ndim == 2:
        samples = samples[:, :, None]
    height, width, _ = samples.shape
    raw = bytearray()
    if interlace:
        for x0, y0, dx, dy in ADAM7:
            sub = samples[y0::dy, x0::dx]
            if sub.shape[0] == 0 or sub.shape[1] == 0:
                continue
            for row in sub:
                raw += b"\x00" + pack_row(row.reshape(-1), bit_depth)
    else:
        for row in samples:
            raw += b"\x00" + pack_row(row.reshape(-1), bit_depth)
    data = b"\x89PNG\r\n\x1a\n"
    data += chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 1 if interlace else 0))
    if palette is not None:
        data += chunk(b"PLTE", bytes(v for rgb in palette for v in rgb))
    if trns is not None:
        data += chunk(b"tRNS", trns)
    data += chunk(b"IDAT", zlib.compress(bytes(raw), 9))
    data += chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(data)


# ---------------------------------------------------------------- expected values


def gray_of(r, g, b):
    return (19595 * r + 38470 * g + 7471 * b + 32768) >> 16


def on_white(c, a):
    return (c * a + 255 * (255 - a) + 127) // 255


def scale16(v):
    return (v * 255 + 32767) // 65535  # round(v * 255 / 65535); never a tie


# ---------------------------------------------------------------- fixtures

GREY8 = [[0, 64, 128, 192, 255], [10, 20, 30, 40, 50], [255, 254, 253, 252, 251]]
GREY16 = [[0, 128, 129, 200, 383], [385, 32767, 32768, 65280, 65535], [257, 514, 1000, 40000, 65534]]
GREY1 = [[0, 1, 0, 1, 1], [1, 0, 0, 0, 1], [1, 1, 1, 0, 0]]
GREY2 = [[0, 1, 2, 3, 0], [3, 2, 1, 0, 3], [1, 1, 2, 2, 3]]
GREY4 = [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9], [10, 11, 12, 13, 15]]
GREY_ALPHA = [[(0, 255), (0, 0), (0, 128), (100, 128), (255, 7)],
              [(200, 255), (200, 100), (50, 1), (50, 254), (0, 64)],
              [(10, 10), (20, 20), (30, 30), (40, 40), (50, 50)]]
RGB = [[(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255), (0, 0, 0)],
       [(200, 100, 50), (10, 20, 30), (128, 128, 128), (255, 255, 0), (0, 255, 255)],
       [(1, 2, 3), (250, 5, 100), (90, 180, 45), (17, 34, 51), (255, 0, 255)]]
RGBA_ALPHA = [[255, 0, 128, 64, 200], [255, 255, 1, 0, 99], [30, 60, 90, 120, 150]]
PALETTE = [(0, 0, 0), (255, 255, 255), (200, 100, 50), (10, 200, 90)]
PALETTE_ALPHA = [255, 255, 128, 0]  # tRNS: index 2 half transparent, index 3 transparent
PALETTE_INDEX = [[0, 1, 2, 3, 0], [1, 2, 3, 0, 1], [2, 3, 0, 1, 2]]
RGB16 = [[(65535, 0, 0), (0, 65280, 0), (0, 0, 200), (32768, 32767, 129), (1000, 40000, 65534)],
         [(0, 0, 0), (65535, 65535, 65535), (257, 514, 771), (128, 128, 128), (30000, 20000, 10000)],
         [(5, 6, 7), (65000, 1, 1), (1, 65000, 1), (1, 1, 65000), (12345, 23456, 34567)]]
RGB16_ALPHA = [[65535, 0, 32768, 65535, 1000], [65535, 65535, 65535, 40000, 40000], [0, 65535, 20000, 50000, 65535]]


def expected():
    exp = {}
    exp["grey8"] = GREY8
    exp["grey16"] = [[scale16(v) for v in row] for row in GREY16]
    exp["grey1"] = [[v * 255 for v in row] for row in GREY1]
    exp["grey2"] = [[v * 85 for v in row] for row in GREY2]
    exp["grey4"] = [[v * 17 for v in row] for row in GREY4]
    exp["grey_alpha"] = [[on_white(g, a) for g, a in row] for row in GREY_ALPHA]
    exp["rgb"] = [[gray_of(*p) for p in row] for row in RGB]
    exp["rgba"] = [[gray_of(*(on_white(c, a) for c in p)) for p, a in zip(row, arow)]
                   for row, arow in zip(RGB, RGBA_ALPHA)]
    exp["palette"] = [[gray_of(*(on_white(c, PALETTE_ALPHA[i]) for c in PALETTE[i])) for i in row]
                      for row in PALETTE_INDEX]
    exp["palette4"] = [[gray_of(*PALETTE[i]) for i in row] for row in PALETTE_INDEX]
    exp["grey_trns"] = [[255 if v == 50 else v for v in row] for row in GREY8_TRNS]
    exp["rgba16"] = [[gray_of(*(on_white(scale16(c), scale16(a)) for c in p)) for p, a in zip(row, arow)]
                     for row, arow in zip(RGB16, RGB16_ALPHA)]
    return exp


GREY8_TRNS = [[0, 50, 100, 50, 255], [50, 50, 10, 20, 30], [1, 2, 3, 4, 50]]
INTERLACED = [[(x * 29 + y * 37) % 256 for x in range(9)] for y in range(7)]


def main():
    write_png("grey8.png", GREY8, 0, 8)
    write_png("grey16.png", GREY16, 0, 16)
    write_png("grey1.png", GREY1, 0, 1)
    write_png("grey2.png", GREY2, 0, 2)
    write_png("grey4.png", GREY4, 0, 4)
    write_png("grey_alpha.png", GREY_ALPHA, 4, 8)
    write_png("rgb.png", RGB, 2, 8)
    rgba = [[list(p) + [a] for p, a in zip(row, arow)] for row, arow in zip(RGB, RGBA_ALPHA)]
    write_png("rgba.png", rgba, 6, 8)
    write_png("palette.png", PALETTE_INDEX, 3, 8, palette=PALETTE, trns=bytes(PALETTE_ALPHA))
    write_png("palette4.png", PALETTE_INDEX, 3, 4, palette=PALETTE)
    write_png("grey_trns.png", GREY8_TRNS, 0, 8, trns=struct.pack(">H", 50))
    rgba16 = [[list(p) + [a] for p, a in zip(row, arow)] for row, arow in zip(RGB16, RGB16_ALPHA)]
    write_png("rgba16.png", rgba16, 6, 16)
    write_png("interlaced.png", INTERLACED, 0, 8, interlace=True)

    # Pictures for JPEG (Pillow): flat 8x8 blocks, aligned with the DCT grid.
    from PIL import Image

    blocks_grey = np.zeros((16, 16), np.uint8)
    for (by, bx), v in zip([(0, 0), (0, 1), (1, 0), (1, 1)], [0, 255, 100, 200]):
        blocks_grey[by * 8:(by + 1) * 8, bx * 8:(bx + 1) * 8] = v
    Image.fromarray(blocks_grey, "L").save("grey.jpg", quality=100)

    colours = [(200, 100, 50), (10, 200, 90), (255, 255, 255), (30, 60, 240)]
    blocks_rgb = np.zeros((16, 16, 3), np.uint8)
    for (by, bx), c in zip([(0, 0), (0, 1), (1, 0), (1, 1)], colours):
        blocks_rgb[by * 8:(by + 1) * 8, bx * 8:(bx + 1) * 8] = c
    Image.fromarray(blocks_rgb, "RGB").save("rgb.jpg", quality=100, subsampling=0)
    write_png("rgb_blocks.png", blocks_rgb, 2, 8)  # the same picture as PNG

    # A bigger textured picture (for truncation tests) and a progressive one.
    yy, xx = np.mgrid[0:64, 0:64]
    texture = ((np.sin(xx / 3.0) * np.cos(yy / 5.0) + 1) * 127.5).astype(np.uint8)
    Image.fromarray(texture, "L").save("texture.jpg", quality=90)
    Image.fromarray(texture, "L").save("progressive.jpg", quality=90, progressive=True)
    Image.fromarray(np.full((8, 8, 4), 40, np.uint8), "CMYK").save("cmyk.jpg", quality=90)

    for name, rows in expected().items():
        print(name, rows)
    print("rgb_blocks", [gray_of(*c) for c in colours])


if __name__ == "__main__":
    main()
