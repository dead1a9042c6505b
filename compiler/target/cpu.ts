/**
 * The Cortex-M CPUs warden compiles for (`--target`). All three run the same
 * code: the compiler emits only ARMv7-M Thumb-2 (no DSP or floating-point
 * instructions; the spec decoder models none, so the validator would not
 * prove one). The target decides the architecture the object declares in
 * `.ARM.attributes`, as `arm-none-eabi-gcc -mcpu=<cpu>` does, so a Cortex-M3
 * program linked with it stays an ARMv7-M program.
 */
export const TARGETS = {
  'cortex-m3': { cpuName: '7-M', cpuArch: 10 }, // Tag_CPU_arch v7 (with profile M: ARMv7-M)
  'cortex-m4': { cpuName: '7E-M', cpuArch: 13 }, // v7E-M
  'cortex-m7': { cpuName: '7E-M', cpuArch: 13 },
} as const;

export type Target = keyof typeof TARGETS;

export const DEFAULT_TARGET: Target = 'cortex-m4';

export function isTarget(s: string): s is Target {
  return Object.hasOwn(TARGETS, s);
}
