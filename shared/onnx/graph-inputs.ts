// The inputs a caller must feed: the graph's inputs that are not initializers (older exporters list every
// initializer among the inputs too).
import type { ModelProto, ValueInfoProto } from './onnx-proto.ts';

export function graphInputs(model: ModelProto): ValueInfoProto[] {
  const inits = new Set(model.graph.initializer.map((t) => t.name));
  return model.graph.input.filter((i) => !inits.has(i.name));
}
