// @yowasp/clang's bundle exports runClang (the clang driver: plans with -### and runs the steps)
// next to runLLVM, but its declaration file names only runLLVM.
import type { Command } from '@yowasp/clang';

declare module '@yowasp/clang' {
  export const runClang: Command;
}
