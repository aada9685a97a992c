#!/usr/bin/env python3
"""Writes the io test corpus (python3 stdlib only; deterministic; the outputs are committed too).

malformed/  small broken files: truncated / bad-CRC / lying PNGs, broken JPEGs, bad safetensors headers,
            bad JSON and CSV. tests/test_io_malformed.cpp feeds every file to every reader and requires a
            dpt::Error (never a crash, never a silent success).
valid/      small valid PNGs in unusual layouts (16-bit, palette + tRNS, 1-bit gray, gray + alpha, Adam7
            interlaced, a bad CRC in an ancillary chunk): tests/test_io_image.cpp checks their decoded RGB.

Run from anywhere: python3 tests/data/io/make_malformed.py
"""
import base64
import json
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
BAD = os.path.join(HERE, "malformed")
GOOD = os.path.join(HERE, "valid")

# 16x16 JPEGs made once with Pillow (quality 90): baseline RGB, CMYK (Adobe), progressive RGB.
JPEG_RGB = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAMCAgMCAgMDAwMEAwMEBQgFBQQEBQoHBwYIDAoMDAsKCwsNDhIQDQ4RDgsLEBYQERMUFRUV"
    "DA8XGBYUGBIUFRT/2wBDAQMEBAUEBQkFBQkUDQsNFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQU"
    "FBT/wAARCAAQABADASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQID"
    "AAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlq"
    "c3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3"
    "+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEI"
    "FEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImK"
    "kpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwD5"
    "V8KfCn7n7n9K9m8J/Cn7n7n9K9i8J/Cn7n7n9K9m8KfCn7n7n9K6854w394nw249+D3+x//Z")
JPEG_CMYK = base64.b64decode(
    "/9j/7gAOQWRvYmUAZAAAAAAA/9sAQwADAgIDAgIDAwMDBAMDBAUIBQUEBAUKBwcGCAwKDAwLCgsLDQ4SEA0OEQ4LCxAWEBETFBUVFQwP"
    "FxgWFBgSFBUU/8AAFAgAEAAQBEMRAE0RAFkRAEsRAP/EAB8AAAEFAQEBAQEBAAAAAAAAAAABAgMEBQYHCAkKC//EALUQAAIBAwMCBAMF"
    "BQQEAAABfQECAwAEEQUSITFBBhNRYQcicRQygZGhCCNCscEVUtHwJDNicoIJChYXGBkaJSYnKCkqNDU2Nzg5OkNERUZHSElKU1RVVldY"
    "WVpjZGVmZ2hpanN0dXZ3eHl6g4SFhoeIiYqSk5SVlpeYmZqio6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV1tfY2drh4uPk5ebn"
    "6Onq8fLz9PX29/j5+v/aAA4EQwBNAFkASwAAPwD4/wD2bf8Al1/Cvj//AIZt/wCnX/x2iv1Tr9Vf2bf+XX8KP+Gbf+nX/wAdoor8qv2b"
    "f+XX8K/VX/hm3/p1/wDHaKK/VX9m3/l1/Cj/AIZt/wCnX/x2iiv/2Q==")
JPEG_PROGRESSIVE = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAMCAgMCAgMDAwMEAwMEBQgFBQQEBQoHBwYIDAoMDAsKCwsNDhIQDQ4RDgsLEBYQERMUFRUV"
    "DA8XGBYUGBIUFRT/2wBDAQMEBAUEBQkFBQkUDQsNFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQU"
    "FBT/wgARCAAQABADASIAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAABgf/xAAVAQEBAAAAAAAAAAAAAAAAAAABA//aAAwDAQACEAMQ"
    "AAABlTNizqf/xAAWEAADAAAAAAAAAAAAAAAAAAAABAX/2gAIAQEAAQUCVlCkoUlCso//xAAYEQACAwAAAAAAAAAAAAAAAAAABQYhMf/a"
    "AAgBAwEBPwGNvss//8QAFxEAAwEAAAAAAAAAAAAAAAAAAAQFYf/aAAgBAgEBPwFyxp//xAAVEAEBAAAAAAAAAAAAAAAAAAAAMf/aAAgB"
    "AQAGPwKIiP/EABUQAQEAAAAAAAAAAAAAAAAAAAAx/9oACAEBAAE/IZsWLN//2gAMAwEAAgADAAAAEAv/xAAVEQEBAAAAAAAAAAAAAAAA"
    "AAAAof/aAAgBAwEBPxCe/8QAFREBAQAAAAAAAAAAAAAAAAAAADH/2gAIAQIBAT8Qsf/EABUQAQEAAAAAAAAAAAAAAAAAAADx/9oACAEB"
    "AAE/EJSEhJT/2Q==")

PNG_SIG = b"\x89PNG\r\n\x1a\n"


def chunk(kind, data, crc=None):
    if crc is None:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def ihdr(w, h, depth=8, color=2, interlace=0):
    return chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, color, 0, 0, interlace))


def png(w, h, raw_rows, depth=8, color=2, interlace=0, extra=b""):
    """raw_rows: the filtered scanline bytes (each row starts with its filter byte), all passes."""
    return (PNG_SIG + ihdr(w, h, depth, color, interlace) + extra + chunk(b"IDAT", zlib.compress(raw_rows, 9))
            + chunk(b"IEND", b""))


def rows(pixel_rows):
    """Unfiltered scanlines: filter byte 0 before each row of bytes."""
    return b"".join(b"\x00" + bytes(r) for r in pixel_rows)


def rgb_pattern(w, h):
    return [[v for x in range(w) for v in ((x * 20) & 255, (y * 30) & 255, (x * y) & 255)] for y in range(h)]


def write(folder, name, data):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def safetensors(header, data=b"", length=None):
    hb = header if isinstance(header, bytes) else json.dumps(header, separators=(",", ":")).encode()
    return struct.pack("<Q", len(hb) if length is None else length) + hb + data


# ------------------------------------------------------------------------------------------------ valid
def make_valid():
    # 16-bit gray 4x3: v = (y*4 + x) * 5000 + 123; decodes to round(v * 255 / 65535) in R = G = B.
    g16 = [[b for x in range(4) for b in struct.pack(">H", (y * 4 + x) * 5000 + 123)] for y in range(3)]
    write(GOOD, "gray16_3x4.png", png(4, 3, rows(g16), depth=16, color=0))
    # 16-bit RGBA 2x2: channel k of pixel (y, x) = 1000 * (y*2 + x) + 9000 * k + 7; alpha = 0x1234 (dropped).
    r16 = [[b for x in range(2) for k in range(4)
            for b in struct.pack(">H", 0x1234 if k == 3 else 1000 * (y * 2 + x) + 9000 * k + 7)] for y in range(2)]
    write(GOOD, "rgba16_2x2.png", png(2, 2, rows(r16), depth=16, color=6))
    # Palette 4x2 with a tRNS chunk: palette entry i = (10 i, 20 i + 1, 30 i + 2); pixel (y, x) -> entry (x + y) % 4.
    plte = chunk(b"PLTE", bytes(v for i in range(4) for v in (10 * i, 20 * i + 1, 30 * i + 2)))
    trns = chunk(b"tRNS", bytes([0, 128, 255, 255]))
    write(GOOD, "palette_trns_2x4.png", png(4, 2, rows([[(x + y) % 4 for x in range(4)] for y in range(2)]),
                                           color=3, extra=plte + trns))
    # 1-bit gray 9x3 (row width not a whole byte): pixel (y, x) is white when (x + y) is odd.
    bits = []
    for y in range(3):
        v = [(x + y) & 1 for x in range(9)] + [0] * 7
        bits.append([sum(v[8 * i + j] << (7 - j) for j in range(8)) for i in range(2)])
    write(GOOD, "gray1_3x9.png", png(9, 3, rows(bits), depth=1, color=0))
    # Gray + alpha 8-bit 3x2: gray = 40 y + 7 x, alpha = 200 (dropped).
    write(GOOD, "gray_alpha_2x3.png",
          png(3, 2, rows([[b for x in range(3) for b in (40 * y + 7 * x, 200)] for y in range(2)]), color=4))
    # Adam7-interlaced RGB 9x7 with rgb_pattern.
    w, h = 9, 7
    full = rgb_pattern(w, h)
    raw = b""
    for x0, y0, dx, dy in ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)):
        xs, ys = list(range(x0, w, dx)), list(range(y0, h, dy))
        if xs and ys:
            raw += rows([[full[y][3 * x + k] for x in xs for k in range(3)] for y in ys])
    write(GOOD, "interlaced_7x9.png", png(w, h, raw, interlace=1))
    # RGB 3x3 with a tEXt chunk whose CRC is wrong: libpng warns, skips the chunk, and the pixels are fine.
    text = chunk(b"tEXt", b"Comment\x00hello", crc=0xDEADBEEF)
    write(GOOD, "ancillary_bad_crc_3x3.png", png(3, 3, rows(rgb_pattern(3, 3)), extra=text))
    write(GOOD, "progressive_16x16.jpg", JPEG_PROGRESSIVE)
    write(GOOD, "baseline_16x16.jpg", JPEG_RGB)


# ------------------------------------------------------------------------------------------------ malformed
def make_malformed():
    good = png(8, 6, rows(rgb_pattern(8, 6)))
    idat_at = good.index(b"IDAT") - 4
    # PNG
    write(BAD, "png_empty.png", b"")
    write(BAD, "png_signature_only.png", PNG_SIG)
    write(BAD, "png_truncated_in_ihdr.png", good[:20])
    write(BAD, "png_truncated_in_idat.png", good[:idat_at + 8 + 10])
    write(BAD, "png_truncated_no_iend.png", good[:-12])
    write(BAD, "png_text_file.png", "this is not a PNG, just text\n")
    write(BAD, "png_html_error_page.png", "<html><body>404 Not Found</body></html>\n")
    bad_crc = bytearray(good)
    bad_crc[29] ^= 0xFF  # last byte of the IHDR CRC
    write(BAD, "png_bad_crc_ihdr.png", bytes(bad_crc))
    bad_idat = bytearray(good)
    bad_idat[idat_at + 8 + 5] ^= 0x55  # a data byte inside IDAT: its CRC no longer matches
    write(BAD, "png_bad_crc_idat.png", bytes(bad_idat))
    write(BAD, "png_huge_dimensions.png", PNG_SIG + ihdr(100000, 100000) + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
          + chunk(b"IEND", b""))
    write(BAD, "png_over_our_limit.png", PNG_SIG + ihdr(20000, 10) + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
          + chunk(b"IEND", b""))
    write(BAD, "png_max_u32_dimensions.png", PNG_SIG + ihdr(0xFFFFFFFF, 0xFFFFFFFF) + chunk(b"IEND", b""))
    write(BAD, "png_tiny_file_huge_image.png", PNG_SIG + ihdr(16000, 16000) + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
          + chunk(b"IEND", b""))
    write(BAD, "png_zero_width.png", PNG_SIG + ihdr(0, 4) + chunk(b"IEND", b""))
    write(BAD, "png_bad_color_type.png", png(2, 2, rows([[0] * 6] * 2), color=5))
    write(BAD, "png_bad_bit_depth.png", png(2, 2, rows([[0] * 6] * 2), depth=4, color=2))
    write(BAD, "png_palette_without_plte.png", png(2, 2, rows([[0, 0]] * 2), color=3))
    write(BAD, "png_zlib_garbage.png", PNG_SIG + ihdr(4, 4) + chunk(b"IDAT", b"\x78\x9c" + bytes(range(40)))
          + chunk(b"IEND", b""))
    write(BAD, "png_too_little_data.png", png(8, 6, rows(rgb_pattern(8, 2))))
    write(BAD, "png_bad_filter_type.png", png(2, 2, b"\x07" + bytes(6) + b"\x00" + bytes(6)))
    write(BAD, "png_no_idat.png", PNG_SIG + ihdr(4, 4) + chunk(b"IEND", b""))
    write(BAD, "png_chunk_length_huge.png", PNG_SIG + ihdr(4, 4) + struct.pack(">I", 0x7FFFFFF0) + b"IDAT" + bytes(16))
    write(BAD, "png_text_chunk_length_huge.png", PNG_SIG + ihdr(4, 4) + struct.pack(">I", 0x7FFFFFF0) + b"tEXt"
          + bytes(16))
    write(BAD, "png_is_jpeg.png", JPEG_RGB)
    # JPEG
    sof = JPEG_RGB.index(b"\xff\xc0")
    sos = JPEG_RGB.index(b"\xff\xda")
    write(BAD, "jpeg_soi_only.jpg", b"\xff\xd8\xff")
    write(BAD, "jpeg_truncated_header.jpg", JPEG_RGB[:sof + 6])
    write(BAD, "jpeg_truncated_after_sof.jpg", JPEG_RGB[:sos])
    write(BAD, "jpeg_truncated_in_scan.jpg", JPEG_RGB[:sos + 20])
    write(BAD, "jpeg_truncated_no_eoi.jpg", JPEG_RGB[:-6])
    write(BAD, "jpeg_text_file.jpg", "definitely not a jpeg\n")
    write(BAD, "jpeg_is_png.jpg", good)
    write(BAD, "jpeg_cmyk.jpg", JPEG_CMYK)
    huge = bytearray(JPEG_RGB)
    huge[sof + 5:sof + 9] = struct.pack(">HH", 60000, 60000)  # SOF0: height, width
    write(BAD, "jpeg_huge_dimensions.jpg", bytes(huge))
    big = bytearray(JPEG_RGB)
    big[sof + 5:sof + 9] = struct.pack(">HH", 16000, 16000)
    write(BAD, "jpeg_tiny_file_huge_image.jpg", bytes(big))
    zero = bytearray(JPEG_RGB)
    zero[sof + 5:sof + 9] = struct.pack(">HH", 0, 16)
    write(BAD, "jpeg_zero_height.jpg", bytes(zero))
    dht = JPEG_RGB.index(b"\xff\xc4")
    bad_huff = bytearray(JPEG_RGB)
    bad_huff[dht + 5:dht + 21] = b"\xff" * 16  # code counts that overflow the Huffman table
    write(BAD, "jpeg_bad_huffman_table.jpg", bytes(bad_huff))
    bad_comp = bytearray(JPEG_RGB)
    bad_comp[sof + 9] = 7  # 7 components
    write(BAD, "jpeg_bad_component_count.jpg", bytes(bad_comp))
    # safetensors
    ok_entry = {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}
    write(BAD, "st_too_short.safetensors", b"\x08\x00\x00")
    write(BAD, "st_header_length_past_eof.safetensors", safetensors({"a": ok_entry}, bytes(8), length=1000))
    write(BAD, "st_header_length_2p63.safetensors", safetensors({"a": ok_entry}, bytes(8), length=1 << 63))
    write(BAD, "st_bad_json.safetensors", safetensors(b'{"a": {"dtype": "F32",', bytes(8)))
    write(BAD, "st_not_utf8_json.safetensors", safetensors(b'{"\xff\xfe": 1}', bytes(8)))
    write(BAD, "st_header_not_object.safetensors", safetensors([1, 2, 3], bytes(8)))
    write(BAD, "st_overlapping_offsets.safetensors",
          safetensors({"a": ok_entry, "b": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}, bytes(8)))
    write(BAD, "st_offsets_past_eof.safetensors",
          safetensors({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}, bytes(8)))
    write(BAD, "st_shape_mismatch.safetensors",
          safetensors({"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}, bytes(8)))
    write(BAD, "st_unknown_dtype.safetensors",
          safetensors({"a": {"dtype": "F8_E4M3", "shape": [8], "data_offsets": [0, 8]}}, bytes(8)))
    write(BAD, "st_negative_offsets.safetensors",
          safetensors({"a": {"dtype": "F32", "shape": [2], "data_offsets": [-8, 0]}}, bytes(8)))
    write(BAD, "st_shape_overflow.safetensors",
          safetensors({"a": {"dtype": "F64", "shape": [1 << 62, 1 << 62], "data_offsets": [0, 8]}}, bytes(8)))
    write(BAD, "st_missing_fields.safetensors", safetensors({"a": {"dtype": "F32"}}, bytes(8)))
    write(BAD, "st_metadata_not_strings.safetensors", safetensors({"__metadata__": {"step": 3}}))
    write(BAD, "st_data_truncated.safetensors", safetensors({"a": ok_entry}, bytes(4)))
    # JSON (config files)
    write(BAD, "json_trailing_comma.json", '{"H": 256, "W": 176,}')
    write(BAD, "json_deep_nesting.json", "[" * 100000)
    write(BAD, "json_lone_surrogate.json", '{"a": "\\ud800"}')
    write(BAD, "json_nul_byte.json", b'{"a": 1}\x00')
    write(BAD, "json_empty.json", b"")
    # CSV (pairs-<split>.csv with header from,to; persons-<split>.csv with header name,person)
    write(BAD, "csv_empty.csv", b"")
    write(BAD, "csv_no_header.csv", "a.jpg,b.jpg\nc.jpg,d.jpg\n")
    write(BAD, "csv_wrong_header.csv", "source,target\na.jpg,b.jpg\n")
    write(BAD, "csv_three_columns.csv", "from,to\na.jpg,b.jpg,c.jpg\n")
    write(BAD, "csv_one_column.csv", "from,to\na.jpg\n")
    write(BAD, "csv_empty_field.csv", "from,to\na.jpg,\n")
    write(BAD, "csv_unterminated_quote.csv", 'from,to\n"a.jpg,b.jpg\n')
    write(BAD, "csv_binary.csv", b"from,to\n\x00\x01\x02,\xff\xfe\n")


if __name__ == "__main__":
    make_valid()
    make_malformed()
    print("wrote", len(os.listdir(GOOD)), "valid and", len(os.listdir(BAD)), "malformed files")
