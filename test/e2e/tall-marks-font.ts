/**
 * A tiny TrueType font for tests of combining marks: a box for "X", and for the marks U+0301 (above)
 * and U+0316 (below) bars 20 em tall. On a reader's machine, a font that stacks each mark on the one
 * before (mark-to-mark positioning) draws a few thousand of them as a column far taller than the
 * line; the fonts of a test machine may not (Debian's DejaVu and Liberation draw them all in one
 * place). These bars draw as far outside the line with any shaper.
 */
const UNITS_PER_EM = 1000;
const TALL = 20_000;

/** A glyph as one rectangle, or none; and its advance width. */
type Glyph = { box?: [xMin: number, yMin: number, xMax: number, yMax: number]; advance: number };
const glyphs: Glyph[] = [
  { advance: 500 },
  { box: [50, 0, 550, 700], advance: 600 },
  { box: [100, 0, 400, TALL], advance: 0 },
  { box: [100, -TALL, 400, 0], advance: 0 },
];
/** Character → glyph index, in code point order. */
const characters: [number, number][] = [
  [0x58, 1],
  [0x301, 2],
  [0x316, 3],
];

const u16 = (...values: number[]) => values.flatMap((v) => [(v >> 8) & 0xff, v & 0xff]);
const u32 = (...values: number[]) => values.flatMap((v) => [...u16(v >>> 16), ...u16(v & 0xffff)]);

/** A simple glyph: one closed contour of four on-curve points, coordinates as 16-bit deltas. */
function outline([xMin, yMin, xMax, yMax]: NonNullable<Glyph['box']>): number[] {
  const points = [
    [xMin, yMin],
    [xMin, yMax],
    [xMax, yMax],
    [xMax, yMin],
  ] as const;
  const deltas = (axis: 0 | 1) => points.map((point, i) => point[axis] - (i ? points[i - 1]![axis] : 0));
  return [...u16(1, xMin, yMin, xMax, yMax, 3, 0), 1, 1, 1, 1, ...u16(...deltas(0), ...deltas(1))];
}

/** cmap format 4: one segment per character, then the required 0xFFFF one. */
function cmap(): number[] {
  const segments = [...characters.map(([code, glyph]) => [code, code, glyph - code] as const), [0xffff, 0xffff, 1] as const];
  const count = segments.length;
  const searchRange = 2 * 2 ** Math.floor(Math.log2(count));
  const subtable = [
    ...u16(4, 16 + 8 * count, 0, 2 * count, searchRange, Math.log2(searchRange / 2), 2 * count - searchRange),
    ...u16(...segments.map(([, end]) => end)),
    ...u16(0),
    ...u16(...segments.map(([start]) => start)),
    ...u16(...segments.map(([, , delta]) => delta & 0xffff)),
    ...u16(...segments.map(() => 0)),
  ];
  return [...u16(0, 1, 3, 1), ...u32(12), ...subtable];
}

function name(): number[] {
  const family = [...'Stack'].flatMap((c) => u16(c.charCodeAt(0)));
  const ids = [1, 2, 4, 6];
  const values = [family, [...'Regular'].flatMap((c) => u16(c.charCodeAt(0))), family, family];
  let offset = 0;
  const records = ids.flatMap((id, i) => {
    const record = u16(3, 1, 0x409, id, values[i]!.length, offset);
    offset += values[i]!.length;
    return record;
  });
  return [...u16(0, ids.length, 6 + 12 * ids.length), ...records, ...values.flat()];
}

/** The font file (TrueType outlines), ready for a data: URL. */
export function tallMarksFont(): Buffer {
  const bodies = glyphs.map((glyph) => (glyph.box ? outline(glyph.box) : []));
  const offsets = bodies.reduce<number[]>((list, body) => [...list, list.at(-1)! + body.length], [0]);
  const ascent = 800;
  const descent = -200;
  const tables: Record<string, number[]> = {
    'OS/2': [
      ...u16(1, 500, 400, 5, 0, 300, 300, 0, 0, 300, 300, 0, 300, 50, 250, 0),
      ...new Array<number>(10).fill(0),
      ...u32(1, 0, 0, 0),
      ...[...'TEST'].map((c) => c.charCodeAt(0)),
      ...u16(0x40, 0x58, 0x316, ascent, descent & 0xffff, 0, ascent, -descent),
      ...u32(1, 0),
    ],
    cmap: cmap(),
    glyf: bodies.flat(),
    head: [...u32(0x10000, 0x10000, 0, 0x5f0f3cf5), ...u16(0b1011, UNITS_PER_EM), ...u32(0, 0, 0, 0), ...u16(50, -TALL & 0xffff, 550, TALL, 0, 8, 2, 0, 0)],
    hhea: [...u32(0x10000), ...u16(ascent, descent & 0xffff, 0, 600, 0, 0, 550, 1, 0, 0, 0, 0, 0, 0, 0, glyphs.length)],
    hmtx: glyphs.flatMap((glyph) => u16(glyph.advance, glyph.box?.[0] ?? 0)),
    loca: u16(...offsets.map((offset) => offset / 2)),
    maxp: [...u32(0x10000), ...u16(glyphs.length, 4, 1, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0)],
    name: name(),
    post: [...u32(0x30000, 0), ...u16(-100 & 0xffff, 50), ...u32(0, 0, 0, 0, 0)],
  };
  const tags = Object.keys(tables).sort();
  const padded = (bytes: number[]) => [...bytes, ...new Array<number>((4 - (bytes.length % 4)) % 4).fill(0)];
  const checksum = (bytes: number[]) => {
    let sum = 0;
    const words = padded(bytes);
    for (let i = 0; i < words.length; i += 4) sum = (sum + ((words[i]! << 24) | (words[i + 1]! << 16) | (words[i + 2]! << 8) | words[i + 3]!)) >>> 0;
    return sum;
  };
  const searchRange = 16 * 2 ** Math.floor(Math.log2(tags.length));
  let offset = 12 + 16 * tags.length;
  const directory = [...u32(0x10000), ...u16(tags.length, searchRange, Math.floor(Math.log2(tags.length)), 16 * tags.length - searchRange)];
  const data: number[] = [];
  for (const tag of tags) {
    const bytes = tables[tag]!;
    directory.push(...[...tag].map((c) => c.charCodeAt(0)), ...u32(checksum(bytes), offset, bytes.length));
    data.push(...padded(bytes));
    offset += padded(bytes).length;
  }
  return Buffer.from([...directory, ...data]);
}
