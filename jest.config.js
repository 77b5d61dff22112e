/** Unit and property tests (test/unit) and end-to-end tests (test/e2e). */
module.exports = {
    preset: "ts-jest",
    testEnvironment: "node",
    // The Pulumi SDK keeps its runtime state on the global object on purpose.
    testEnvironmentOptions: { globalsCleanup: "off" },
    roots: ["<rootDir>/test"],
    moduleNameMapper: { "^whaly-postgres$": "<rootDir>/index.ts" },
};
