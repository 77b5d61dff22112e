/** The TypeScript API read with the TypeScript compiler, independently of the code under test. */
import * as path from "node:path";
import * as ts from "typescript";

const COMPONENTS = path.resolve(__dirname, "../../components");

/** Names of an interface's members, or of a class's public readonly instance properties, in components/`file`. */
export function membersOf(file: string, name: string): string[] {
    const program = ts.createProgram([path.join(COMPONENTS, file)], { strict: true });
    const source = program.getSourceFile(path.join(COMPONENTS, file))!;
    const names: string[] = [];
    source.forEachChild((node) => {
        if ((ts.isInterfaceDeclaration(node) || ts.isClassDeclaration(node)) && node.name?.text === name)
            for (const member of node.members) {
                if (!member.name || !ts.isIdentifier(member.name)) continue;
                const modifiers = ts.canHaveModifiers(member) ? (ts.getModifiers(member) ?? []) : [];
                const kinds = modifiers.map((m) => m.kind);
                if (
                    ts.isPropertySignature(member) ||
                    (ts.isPropertyDeclaration(member) &&
                        kinds.includes(ts.SyntaxKind.ReadonlyKeyword) &&
                        !kinds.includes(ts.SyntaxKind.StaticKeyword))
                )
                    names.push(member.name.text);
            }
    });
    return names.sort();
}
