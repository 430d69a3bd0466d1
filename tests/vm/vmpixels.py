"""Pictures for the VM tests: binary PPM files and comparisons.

QEMU's screendump is 8-bit RGB whatever the guest's format; the expected
picture comes from fbkit's offscreen backend in the device's own format,
widened to 8 bits. Both are compared at the device's depth (only the top
`bits` of each channel count), so a correct RGB565 driver matches exactly
however QEMU widens its five and six bits.
"""


class Picture:
    """8-bit RGB pixels, rows top to bottom, 3 bytes a pixel."""

    def __init__(self, width, height, rgb):
        if len(rgb) != width * height * 3:
            raise ValueError("%dx%d picture needs %d bytes, has %d"
                             % (width, height, width * height * 3, len(rgb)))
        self.width, self.height, self.rgb = width, height, bytes(rgb)

    def row(self, y, x0=0, x1=None):
        x1 = self.width if x1 is None else x1
        start = (y * self.width + x0) * 3
        return self.rgb[start:start + (x1 - x0) * 3]

    def pixel(self, x, y):
        return tuple(self.row(y, x, x + 1))


def read_ppm(path):
    """A binary (P6) PPM with maxval 255."""
    with open(path, "rb") as f:
        data = f.read()
    fields, pos = [], 2
    if data[:2] != b"P6":
        raise ValueError("%s is not a binary PPM" % path)
    while len(fields) < 3:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos)
            continue
        end = pos
        while data[end:end + 1].isdigit():
            end += 1
        if end == pos:
            raise ValueError("%s: malformed PPM header" % path)
        fields.append(int(data[pos:end]))
        pos = end
    width, height, maxval = fields
    if maxval != 255:
        raise ValueError("%s: maxval %d, only 255 is supported" % (path, maxval))
    pos += 1  # the single whitespace after maxval
    return Picture(width, height, data[pos:pos + width * height * 3])


def rotated(picture, rotation):
    """The picture turned `rotation` degrees clockwise, as a rotated fbkit
    display shows it on its panel: (x, y) lands at (W - 1 - y, x) at 90,
    reversed at 180, at (y, H - 1 - x) at 270 (W x H being the panel)."""
    w, h, rgb = picture.width, picture.height, picture.rgb
    out = bytearray(len(rgb))
    if rotation == 180:
        for c in range(3):
            out[c::3] = rgb[c::3][::-1]
        return Picture(w, h, out)
    if rotation not in (90, 270):
        return picture
    row = h * 3  # a panel row is a picture column
    for x in range(w):
        y_panel = x if rotation == 90 else w - 1 - x
        for c in range(3):
            column = rgb[x * 3 + c::w * 3]
            out[y_panel * row + c:(y_panel + 1) * row:3] = column[::-1] if rotation == 90 \
                else column
    return Picture(h, w, out)


def write_ppm(path, picture):
    with open(path, "wb") as f:
        f.write(b"P6\n%d %d\n255\n" % (picture.width, picture.height))
        f.write(picture.rgb)


def reduce_depth(picture, bits):
    """Keep only the top bits[c] of each channel c (r, g, b)."""
    if tuple(bits) == (8, 8, 8):
        return picture
    rgb = bytearray(picture.rgb)
    for channel, n in enumerate(bits):
        mask = (0xFF << (8 - n)) & 0xFF
        table = bytes(v & mask for v in range(256))
        rgb[channel::3] = rgb[channel::3].translate(table)
    return Picture(picture.width, picture.height, rgb)


class Rect:
    def __init__(self, x, y, w, h):
        self.x, self.y, self.w, self.h = x, y, w, h

    @classmethod
    def parse(cls, text):
        """"X,Y,W,H" -> Rect, or None for None."""
        return cls(*(int(v) for v in text.split(","))) if text else None

    def contains(self, x, y):
        return self.x <= x < self.x + self.w and self.y <= y < self.y + self.h

    def __str__(self):
        return "%dx%d at %d,%d" % (self.w, self.h, self.x, self.y)


class Difference:
    """Where two pictures differ: pixel count, bounding box, a few samples,
    and how many of the differing pixels lie inside `cell`."""

    def __init__(self):
        self.count = 0
        self.in_cell = 0
        self.box = None  # [x0, y0, x1, y1], inclusive
        self.samples = []

    def add_row(self, y, x0, x1, count, in_cell):
        self.count += count
        self.in_cell += in_cell
        if self.box is None:
            self.box = [x0, y, x1, y]
        else:
            self.box = [min(self.box[0], x0), self.box[1], max(self.box[2], x1), y]

    def outside_cell(self):
        return self.count - self.in_cell

    def describe(self, total):
        if not self.count:
            return "all %d pixels match" % total
        x0, y0, x1, y1 = self.box
        where = " (%d of them in the cursor cell)" % self.in_cell if self.in_cell else ""
        return "%d of %d pixels differ%s, within %dx%d at %d,%d; e.g. %s" % (
            self.count, total, where, x1 - x0 + 1, y1 - y0 + 1, x0, y0,
            "; ".join(self.samples))


def row_mask(a, b):
    """One byte per pixel, non-zero where two RGB rows differ (computed on
    whole rows as integers, so no Python loop runs per pixel)."""
    xor = (int.from_bytes(a, "little") ^ int.from_bytes(b, "little")).to_bytes(len(a), "little")
    r, g, bl = (int.from_bytes(xor[c::3], "little") for c in range(3))
    return (r | g | bl).to_bytes(len(a) // 3, "little")


def compare(got, want, cell=None):
    """A Difference between two pictures of the same size. Rows that are
    equal as bytes are skipped, so matching pictures cost little."""
    diff = Difference()
    for y in range(want.height):
        row_got, row_want = got.row(y), want.row(y)
        if row_got == row_want:
            continue
        mask = row_mask(row_got, row_want)
        x0 = len(mask) - len(mask.lstrip(b"\0"))
        x1 = len(mask.rstrip(b"\0")) - 1
        in_cell = 0
        if cell and cell.y <= y < cell.y + cell.h:
            part = mask[max(cell.x, 0):max(cell.x + cell.w, 0)]
            in_cell = len(part) - part.count(0)
        diff.add_row(y, x0, x1, len(mask) - mask.count(0), in_cell)
        if len(diff.samples) < 4:
            diff.samples.append("(%d,%d) is %s, want %s" % (
                x0, y, tuple(row_got[3 * x0:3 * x0 + 3]), tuple(row_want[3 * x0:3 * x0 + 3])))
    return diff


def diff_picture(got, want):
    """The expected picture dimmed, with every differing pixel in red."""
    rgb = bytearray(want.rgb.translate(bytes(v // 3 for v in range(256))))
    for y in range(want.height):
        row_got, row_want = got.row(y), want.row(y)
        if row_got == row_want:
            continue
        for x, differs in enumerate(row_mask(row_got, row_want)):
            if differs:
                at = (y * want.width + x) * 3
                rgb[at:at + 3] = b"\xff\x00\x00"
    return Picture(want.width, want.height, rgb)


def cell_shows_cursor(picture, cell, background):
    """True when the cell holds any pixel unlike the console background
    (the cell is blank: only the cursor can draw there)."""
    for y in range(cell.y, min(cell.y + cell.h, picture.height)):
        row = picture.row(y, cell.x, min(cell.x + cell.w, picture.width))
        if row != bytes(background) * (len(row) // 3):
            return True
    return False


def share_of(picture, color):
    """The fraction of the picture's pixels that have exactly `color`."""
    total = picture.width * picture.height
    return picture.rgb.count(bytes(color)) / total if total else 0.0
