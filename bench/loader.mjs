// Lets Node 24 run the bench's TypeScript in place (type stripping) with the repo's NodeNext import
// style: a relative "./x.js" that does not exist resolves to "./x.ts". Used by scripts/bench.mjs:
//   node24 --import ./bench/loader.mjs bench/main.ts
import { registerHooks } from "node:module";

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (error) {
      const relative = specifier.startsWith("./") || specifier.startsWith("../");
      if (relative && specifier.endsWith(".js") && error?.code === "ERR_MODULE_NOT_FOUND") {
        return nextResolve(`${specifier.slice(0, -3)}.ts`, context);
      }
      throw error;
    }
  },
});
