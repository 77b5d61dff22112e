import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
    { ignores: ["node_modules/", "dist/", "coverage/", ".venv/", "examples/*/venv/"] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        rules: {
            // Pulumi resources register themselves: `new Resource(...)` without a binding is the idiom.
            "no-new": "off",
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
        },
    },
    {
        files: ["**/*.js", "**/*.mjs"],
        languageOptions: { globals: { process: "readonly", console: "readonly", require: "readonly", module: "writable" } },
    },
);
