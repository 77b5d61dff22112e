import { scramVerifier } from "../../components/plan/scram";

describe("SCRAM-SHA-256 verifiers", () => {
    it("are the ones PostgreSQL builds: a verifier PostgreSQL 12 stored for a known password, rebuilt from its salt", () => {
        // From `CREATE ROLE t LOGIN PASSWORD 'correct horse battery staple'` with password_encryption scram-sha-256.
        const stored =
            "SCRAM-SHA-256$4096:Ur1AzxglWFCsixsa/r5iIw==$4IHDJflUiPmCAM/u/M4FkSJF26x1lVEkmti/ln+9UrM=:RROWbmPLcdJMKRMeu+iz3XWuxK2+p/V2cYyynWVMz10=";
        expect(scramVerifier("correct horse battery staple", Buffer.from("Ur1AzxglWFCsixsa/r5iIw==", "base64"), 4096)).toBe(stored);
        expect(scramVerifier("correct horse battery stapler", Buffer.from("Ur1AzxglWFCsixsa/r5iIw==", "base64"), 4096)).not.toBe(stored);
    });

    it("differ with the salt", () => {
        const a = scramVerifier("same password", Buffer.alloc(16, 1));
        const b = scramVerifier("same password", Buffer.alloc(16, 2));
        expect(a).not.toBe(b);
        expect(a).toMatch(/^SCRAM-SHA-256\$4096:AQEBAQEBAQEBAQEBAQEBAQ==\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=$/);
    });
});
