// ONNX's protobuf messages (onnx.proto3): the fields this project reads and writes, decoded into plain objects.
// Unknown fields are kept as raw bytes and written back, so a decode → encode round trip loses nothing.
// Field numbers: https://github.com/onnx/onnx/blob/main/onnx/onnx.proto
import { ProtoReader, ProtoWriter, WIRE_LEN } from './protobuf.ts';

/** TensorProto.DataType */
export const DataType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  COMPLEX64: 14,
  COMPLEX128: 15,
  BFLOAT16: 16,
} as const;

/** Bytes per element of each fixed-size data type. */
export const DATA_TYPE_BYTES: Record<number, number> = {
  1: 4,
  2: 1,
  3: 1,
  4: 2,
  5: 2,
  6: 4,
  7: 8,
  9: 1,
  10: 2,
  11: 8,
  12: 4,
  13: 8,
  14: 8,
  15: 16,
  16: 2,
};

export interface StringEntry {
  key: string;
  value: string;
}

export interface TensorProto {
  name: string;
  dims: number[];
  dataType: number;
  rawData?: Uint8Array;
  floatData?: number[];
  int32Data?: number[];
  int64Data?: bigint[];
  doubleData?: number[];
  uint64Data?: bigint[];
  stringData?: Uint8Array[];
  externalData?: StringEntry[];
  /** 0 = DEFAULT (data in this message), 1 = EXTERNAL (data in a file named by externalData). */
  dataLocation?: number;
  docString?: string;
  unknown?: Uint8Array[];
}

export const AttrType = {
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
} as const;

export interface AttributeProto {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProto;
  g?: GraphProto;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
  tensors?: TensorProto[];
  graphs?: GraphProto[];
  unknown?: Uint8Array[];
}

export interface NodeProto {
  input: string[];
  output: string[];
  name: string;
  opType: string;
  domain: string;
  attribute: AttributeProto[];
  docString?: string;
  unknown?: Uint8Array[];
}

export interface Dimension {
  value?: number;
  param?: string;
}

export interface ValueInfoProto {
  name: string;
  /** Tensor element type (DataType), when the value is a tensor. */
  elemType?: number;
  /** Tensor shape; undefined when unknown rank. */
  shape?: Dimension[];
  docString?: string;
  /** The whole TypeProto's bytes when it is not a plain tensor type (kept verbatim). */
  rawType?: Uint8Array;
}

export interface GraphProto {
  name: string;
  node: NodeProto[];
  initializer: TensorProto[];
  input: ValueInfoProto[];
  output: ValueInfoProto[];
  valueInfo: ValueInfoProto[];
  docString?: string;
  unknown?: Uint8Array[];
}

export interface OperatorSetId {
  domain: string;
  version: number;
}

export interface ModelProto {
  irVersion: number;
  opsetImport: OperatorSetId[];
  producerName: string;
  producerVersion: string;
  domain: string;
  modelVersion: number;
  docString: string;
  graph: GraphProto;
  metadataProps: StringEntry[];
  unknown?: Uint8Array[];
}

// ---------------------------------------------------------------- decode

function keep(list: Uint8Array[] | undefined, raw: Uint8Array): Uint8Array[] {
  (list ??= []).push(raw);
  return list;
}

function decodeEntry(r: ProtoReader): StringEntry {
  const e: StringEntry = { key: '', value: '' };
  while (!r.done()) {
    const start = r.pos;
    const [f, w] = r.tag();
    if (f === 1 && w === WIRE_LEN) e.key = r.string();
    else if (f === 2 && w === WIRE_LEN) e.value = r.string();
    else r.skip(w, start);
  }
  return e;
}

export function decodeTensor(r: ProtoReader): TensorProto {
  const t: TensorProto = { name: '', dims: [], dataType: 0 };
  while (!r.done()) {
    const start = r.pos;
    const [f, w] = r.tag();
    switch (f) {
      case 1:
        r.repeated(w, (x) => x.int64(), t.dims);
        break;
      case 2:
        t.dataType = r.varint();
        break;
      case 4:
        r.repeated(w, (x) => x.float32(), (t.floatData ??= []));
        break;
      case 5:
        r.repeated(w, (x) => Number(BigInt.asIntN(32, x.varint64())), (t.int32Data ??= []));
        break;
      case 6:
        (t.stringData ??= []).push(r.bytes());
        break;
      case 7: {
        const out = (t.int64Data ??= []);
        if (w === WIRE_LEN) {
          const s = r.sub();
          while (!s.done()) out.push(s.varint64());
        } else out.push(r.varint64());
        break;
      }
      case 8:
        t.name = r.string();
        break;
      case 9:
        t.rawData = r.bytes();
        break;
      case 10:
        r.repeated(w, (x) => x.float64(), (t.doubleData ??= []));
        break;
      case 11: {
        const out = (t.uint64Data ??= []);
        if (w === WIRE_LEN) {
          const s = r.sub();
          while (!s.done()) out.push(BigInt.asUintN(64, s.varint64()));
        } else out.push(BigInt.asUintN(64, r.varint64()));
        break;
      }
      case 12:
        t.docString = r.string();
        break;
      case 13:
        (t.externalData ??= []).push(decodeEntry(r.sub()));
        break;
      case 14:
        t.dataLocation = r.varint();
        break;
      default:
        t.unknown = keep(t.unknown, r.skip(w, start));
    }
  }
  return t;
}

function decodeAttribute(r: ProtoReader): AttributeProto {
  const a: AttributeProto = { name: '', type: 0 };
  while (!r.done()) {
    const start = r.pos;
    const [f, w] = r.tag();
    switch (f) {
      case 1:
        a.name = r.string();
        break;
      case 2:
        a.f = r.float32();
        break;
      case 3:
        a.i = r.int64();
        break;
      case 4:
        a.s = r.bytes();
        break;
      case 5:
        a.t = decodeTensor(r.sub());
        break;
      case 6:
        a.g = decodeGraph(r.sub());
        break;
      case 7:
        r.repeated(w, (x) => x.float32(), (a.floats ??= []));
        break;
      case 8:
        r.repeated(w, (x) => x.int64(), (a.ints ??= []));
        break;
      case 9:
        (a.strings ??= []).push(r.bytes());
        break;
      case 10:
        (a.tensors ??= []).push(decodeTensor(r.sub()));
        break;
      case 11:
        (a.graphs ??= []).push(decodeGraph(r.sub()));
        break;
      case 20:
        a.type = r.varint();
        break;
      default:
        a.unknown = keep(a.unknown, r.skip(w, start));
    }
  }
  if (a.type === 0) a.type = inferAttrType(a);
  return a;
}

function inferAttrType(a: AttributeProto): number {
  if (a.f !== undefined) return AttrType.FLOAT;
  if (a.i !== undefined) return AttrType.INT;
  if (a.s !== undefined) return AttrType.STRING;
  if (a.t !== undefined) return AttrType.TENSOR;
  if (a.g !== undefined) return AttrType.GRAPH;
  if (a.floats) return AttrType.FLOATS;
  if (a.ints) return AttrType.INTS;
  if (a.strings) return AttrType.STRINGS;
  if (a.tensors) return AttrType.TENSORS;
  if (a.graphs) return AttrType.GRAPHS;
  return 0;
}

function decodeNode(r: ProtoReader): NodeProto {
  const n: NodeProto = { input: [], output: [], name: '', opType: '', domain: '', attribute: [] };
  while (!r.done()) {
    const start = r.pos;
    const [f, w] = r.tag();
    switch (f) {
      case 1:
        n.input.push(r.string());
        break;
      case 2:
        n.output.push(r.string());
        break;
      case 3:
        n.name = r.string();
        break;
      case 4:
        n.opType = r.string();
        break;
      case 5:
        n.attribute.push(decodeAttribute(r.sub()));
        break;
      case 6:
        n.docString = r.string();
        break;
      case 7:
        n.domain = r.string();
        break;
      default:
        n.unknown = keep(n.unknown, r.skip(w, start));
    }
  }
  return n;
}

function decodeShape(r: ProtoReader): Dimension[] {
  const dims: Dimension[] = [];
  while (!r.done()) {
    const start = r.pos;
    const [f, w] = r.tag();
    if (f === 1 && w === WIRE_LEN) {
      const d: Dimension = {};
      const s = r.sub();
      while (!s.done()) {
        const st = s.pos;
        const [g, x] = s.tag();
        if (g === 1) d.value = s.int64();
        else if (g === 2) d.param = s.string();
        else s.skip(x, st);
      }
      dims.push(d);
    } else r.skip(w, start);
  }
  return dims;
}

function decodeValueInfo(r: ProtoReader): ValueInfoProto {
  const v: ValueInfoProto = { name: '' };
  while (!r.done()) {
    const start = r.pos;
    const [f, w] = r.tag();
    if (f === 1) v.name = r.string();
    else if (f === 3) v.docString = r.string();
    else if (f === 2) {
      const typeStart = r.pos;
      const typeReader = r.sub();
      const typeBytes = r.buf.subarray(typeStart, r.pos);
      let plain = false;
      while (!typeReader.done()) {
        const st = typeReader.pos;
        const [g, x] = typeReader.tag();
        if (g === 1 && x === WIRE_LEN) {
          plain = true;
          const tt = typeReader.sub();
          while (!tt.done()) {
            const s2 = tt.pos;
            const [h, y] = tt.tag();
            if (h === 1) v.elemType = tt.varint();
            else if (h === 2) v.shape = decodeShape(tt.sub());
            else tt.skip(y, s2);
          }
        } else typeReader.skip(x, st);
      }
      if (!plain) {
        // keep a non-tensor type verbatim (the bytes after the length prefix)
        const inner = new ProtoReader(typeBytes);
        v.rawType = inner.bytes();
      }
    } else r.skip(w, start);
  }
  return v;
}

export function decodeGraph(r: ProtoReader): GraphProto {
  const g: GraphProto = { name: '', node: [], initializer: [], input: [], output: [], valueInfo: [] };
  while (!r.done()) {
    const start = r.pos;
    const [f, w] = r.tag();
    switch (f) {
      case 1:
        g.node.push(decodeNode(r.sub()));
        break;
      case 2:
        g.name = r.string();
        break;
      case 5:
        g.initializer.push(decodeTensor(r.sub()));
        break;
      case 10:
        g.docString = r.string();
        break;
      case 11:
        g.input.push(decodeValueInfo(r.sub()));
        break;
      case 12:
        g.output.push(decodeValueInfo(r.sub()));
        break;
      case 13:
        g.valueInfo.push(decodeValueInfo(r.sub()));
        break;
      default:
        g.unknown = keep(g.unknown, r.skip(w, start));
    }
  }
  return g;
}

/** Decodes an ONNX model. Byte fields (raw_data) are views into `bytes`, not copies. */
export function decodeModel(bytes: Uint8Array): ModelProto {
  const r = new ProtoReader(bytes);
  const m: ModelProto = {
    irVersion: 0,
    opsetImport: [],
    producerName: '',
    producerVersion: '',
    domain: '',
    modelVersion: 0,
    docString: '',
    graph: { name: '', node: [], initializer: [], input: [], output: [], valueInfo: [] },
    metadataProps: [],
  };
  let sawGraph = false;
  while (!r.done()) {
    const start = r.pos;
    const [f, w] = r.tag();
    switch (f) {
      case 1:
        m.irVersion = r.int64();
        break;
      case 2:
        m.producerName = r.string();
        break;
      case 3:
        m.producerVersion = r.string();
        break;
      case 4:
        m.domain = r.string();
        break;
      case 5:
        m.modelVersion = r.int64();
        break;
      case 6:
        m.docString = r.string();
        break;
      case 7:
        m.graph = decodeGraph(r.sub());
        sawGraph = true;
        break;
      case 8: {
        const o: OperatorSetId = { domain: '', version: 0 };
        const s = r.sub();
        while (!s.done()) {
          const st = s.pos;
          const [g, x] = s.tag();
          if (g === 1) o.domain = s.string();
          else if (g === 2) o.version = s.int64();
          else s.skip(x, st);
        }
        m.opsetImport.push(o);
        break;
      }
      case 14:
        m.metadataProps.push(decodeEntry(r.sub()));
        break;
      default:
        m.unknown = keep(m.unknown, r.skip(w, start));
    }
  }
  if (!sawGraph) throw new Error('onnx: the model has no graph (is this an ONNX file?)');
  return m;
}

// ---------------------------------------------------------------- encode

function encodeEntry(e: StringEntry): ProtoWriter {
  return new ProtoWriter().string(1, e.key).string(2, e.value);
}

export function encodeTensor(t: TensorProto): ProtoWriter {
  const w = new ProtoWriter();
  if (t.dims.length > 0) w.packedVarints(1, t.dims);
  w.varint(2, t.dataType);
  if (t.floatData?.length) w.packedFloats(4, t.floatData);
  if (t.int32Data?.length) w.packedVarints(5, t.int32Data);
  for (const s of t.stringData ?? []) w.bytes(6, s);
  if (t.int64Data?.length) w.packedVarints(7, t.int64Data);
  if (t.name) w.string(8, t.name);
  if (t.rawData) w.bytes(9, t.rawData);
  if (t.doubleData?.length) w.packedDoubles(10, t.doubleData);
  if (t.uint64Data?.length) w.packedVarints(11, t.uint64Data);
  if (t.docString) w.string(12, t.docString);
  for (const e of t.externalData ?? []) w.message(13, encodeEntry(e));
  if (t.dataLocation) w.varint(14, t.dataLocation);
  for (const u of t.unknown ?? []) w.raw(u);
  return w;
}

function encodeAttribute(a: AttributeProto): ProtoWriter {
  const w = new ProtoWriter().string(1, a.name);
  if (a.f !== undefined) w.float32(2, a.f);
  if (a.i !== undefined) w.varint(3, a.i);
  if (a.s !== undefined) w.bytes(4, a.s);
  if (a.t !== undefined) w.message(5, encodeTensor(a.t));
  if (a.g !== undefined) w.message(6, encodeGraph(a.g));
  if (a.floats?.length) w.packedFloats(7, a.floats);
  if (a.ints?.length) w.packedVarints(8, a.ints);
  for (const s of a.strings ?? []) w.bytes(9, s);
  for (const t of a.tensors ?? []) w.message(10, encodeTensor(t));
  for (const g of a.graphs ?? []) w.message(11, encodeGraph(g));
  w.varint(20, a.type);
  for (const u of a.unknown ?? []) w.raw(u);
  return w;
}

function encodeNode(n: NodeProto): ProtoWriter {
  const w = new ProtoWriter();
  for (const i of n.input) w.string(1, i);
  for (const o of n.output) w.string(2, o);
  if (n.name) w.string(3, n.name);
  w.string(4, n.opType);
  for (const a of n.attribute) w.message(5, encodeAttribute(a));
  if (n.docString) w.string(6, n.docString);
  if (n.domain) w.string(7, n.domain);
  for (const u of n.unknown ?? []) w.raw(u);
  return w;
}

function encodeValueInfo(v: ValueInfoProto): ProtoWriter {
  const w = new ProtoWriter().string(1, v.name);
  if (v.rawType) w.bytes(2, v.rawType);
  else if (v.elemType !== undefined || v.shape !== undefined) {
    const tensor = new ProtoWriter();
    if (v.elemType !== undefined) tensor.varint(1, v.elemType);
    if (v.shape !== undefined) {
      const shape = new ProtoWriter();
      for (const d of v.shape) {
        const dim = new ProtoWriter();
        if (d.value !== undefined) dim.varint(1, d.value);
        else if (d.param !== undefined) dim.string(2, d.param);
        shape.message(1, dim);
      }
      tensor.message(2, shape);
    }
    w.message(2, new ProtoWriter().message(1, tensor));
  }
  if (v.docString) w.string(3, v.docString);
  return w;
}

export function encodeGraph(g: GraphProto): ProtoWriter {
  const w = new ProtoWriter();
  for (const n of g.node) w.message(1, encodeNode(n));
  if (g.name) w.string(2, g.name);
  for (const t of g.initializer) w.message(5, encodeTensor(t));
  if (g.docString) w.string(10, g.docString);
  for (const v of g.input) w.message(11, encodeValueInfo(v));
  for (const v of g.output) w.message(12, encodeValueInfo(v));
  for (const v of g.valueInfo) w.message(13, encodeValueInfo(v));
  for (const u of g.unknown ?? []) w.raw(u);
  return w;
}

export function encodeModel(m: ModelProto): Uint8Array {
  const w = new ProtoWriter().varint(1, m.irVersion);
  if (m.producerName) w.string(2, m.producerName);
  if (m.producerVersion) w.string(3, m.producerVersion);
  if (m.domain) w.string(4, m.domain);
  if (m.modelVersion) w.varint(5, m.modelVersion);
  if (m.docString) w.string(6, m.docString);
  w.message(7, encodeGraph(m.graph));
  for (const o of m.opsetImport) {
    const ow = new ProtoWriter();
    if (o.domain) ow.string(1, o.domain);
    ow.varint(2, o.version);
    w.message(8, ow);
  }
  for (const e of m.metadataProps) w.message(14, encodeEntry(e));
  for (const u of m.unknown ?? []) w.raw(u);
  return w.finish();
}
