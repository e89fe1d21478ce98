// ODE samplers for rectified flow (Liu et al. 2023): integrate dx/dt = v(x, t) from t = 0 (noise) to t = 1 (data)
// on a uniform grid tₖ = k/N.
//   Euler: x_{k+1} = x_k + h·v(x_k, t_k)
//   Heun:  x̃ = x_k + h·v(x_k, t_k);  x_{k+1} = x_k + (h/2)·(v(x_k, t_k) + v(x̃, t_{k+1}))
// `v` evaluates a whole batch at one time (guidance included) and does not keep its input: the state lives in two
// buffers that take turns.

export type Velocity = (x: Float32Array, t: number) => Promise<Float32Array>;

export async function eulerFlow(v: Velocity, x0: Float32Array, steps: number): Promise<Float32Array> {
  const x = x0.slice();
  const h = 1 / steps;
  for (let k = 0; k < steps; k++) {
    const d = await v(x, k * h);
    for (let i = 0; i < x.length; i++) x[i] += h * d[i];
  }
  return x;
}

export async function heunFlow(v: Velocity, x0: Float32Array, steps: number): Promise<Float32Array> {
  let x = x0.slice();
  let xe = new Float32Array(x.length);
  const h = 1 / steps;
  for (let k = 0; k < steps; k++) {
    const d = await v(x, k * h);
    for (let i = 0; i < x.length; i++) xe[i] = x[i] + h * d[i];
    const d2 = await v(xe, (k + 1) * h);
    for (let i = 0; i < x.length; i++) xe[i] = x[i] + 0.5 * h * (d[i] + d2[i]);
    [x, xe] = [xe, x];
  }
  return x;
}

/** Network evaluations per sample (before guidance doubles the batch). */
export function flowEvaluations(kind: string, steps: number): number {
  return kind === 'heun' ? 2 * steps : steps;
}
