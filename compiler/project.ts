/**
 * The one ts-morph `Project` a compiler session uses: created once, reused across files, compile
 * runs and `--watch` rebuilds (only changed files are re-read from disk). Files that do not
 * import weft are never added, so the checker only loads what workflows need.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { Project, ts } from "ts-morph";
import { diagnostic, type Diagnostic } from "./diagnostics.js";
import { ExtractContext, WorkflowExtractor, type ExtractedWorkflow } from "./extract/index.js";

/** Options of a {@link WeftProject}. */
export interface WeftProjectOptions {
  /** Project root: output paths are relative to it. Default: the current directory. */
  root?: string;
  /** tsconfig.json to take compiler options from. Default: `<root>/tsconfig.json` if present. */
  tsconfig?: string;
}

/** What one extraction found. */
export interface Extraction {
  workflows: ExtractedWorkflow[];
  diagnostics: Diagnostic[];
  /** Source files read (absolute), sorted. */
  files: string[];
}

const SOURCE_EXT = /\.(ts|tsx|mts|cts)$/;
const DECLARATION = /\.d\.[cm]?ts$/;
/** A cheap textual test for files that may declare workflows (they import weft). */
const IMPORTS_WEFT =
  /from\s*["'](weft(js)?(\/[^"']*)?|[^"']*\bsrc(\/index(\.[jt]s)?|\/(dag|fsm)\/[^"']*)?)["']/;

/**
 * A compiler session over one project.
 *
 * @example
 * ```ts
 * const session = new WeftProject({ root: process.cwd() });
 * const { workflows, diagnostics } = session.extract(["examples"]);
 * ```
 */
export class WeftProject {
  readonly root: string;
  readonly project: Project;
  private readonly texts = new Map<string, string>();

  constructor(options: WeftProjectOptions = {}) {
    this.root = path.resolve(options.root ?? process.cwd());
    const tsconfig = options.tsconfig ?? path.join(this.root, "tsconfig.json");
    const base = {
      skipAddingFilesFromTsConfig: true,
      skipLoadingLibFiles: false,
    };
    this.project = existsSync(tsconfig)
      ? new Project({ ...base, tsConfigFilePath: tsconfig })
      : new Project({
          ...base,
          compilerOptions: {
            target: ts.ScriptTarget.ES2022,
            module: ts.ModuleKind.NodeNext,
            moduleResolution: ts.ModuleResolutionKind.NodeNext,
            strict: true,
            skipLibCheck: true,
            allowImportingTsExtensions: true,
            noEmit: true,
          },
        });
  }

  /**
   * Source files under the given files and folders (recursively; `node_modules`, dot-folders and
   * `exclude` skipped), sorted, plus a diagnostic for each path that does not exist.
   */
  collect(paths: string[], exclude: string[] = []): { files: string[]; diagnostics: Diagnostic[] } {
    const files = new Set<string>();
    const diagnostics: Diagnostic[] = [];
    const skip = exclude.map((p) => path.resolve(this.root, p));
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (skip.includes(full)) continue;
        if (entry.isDirectory()) {
          if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
          walk(full);
        } else if (SOURCE_EXT.test(entry.name) && !DECLARATION.test(entry.name)) files.add(full);
      }
    };
    for (const p of paths.length > 0 ? paths : ["."]) {
      const full = path.resolve(this.root, p);
      if (!existsSync(full)) {
        diagnostics.push(diagnostic("WEFT040", `'${p}' does not exist`));
        continue;
      }
      if (statSync(full).isDirectory()) walk(full);
      else files.add(full);
    }
    return { files: [...files].sort(), diagnostics };
  }

  /**
   * Re-reads files from disk that changed since they were last read (all tracked files when
   * none are named). Returns the files that changed.
   */
  refresh(files?: string[]): string[] {
    const changed: string[] = [];
    for (const file of files ?? [...this.texts.keys()]) {
      const abs = path.resolve(this.root, file);
      const sf = this.project.getSourceFile(abs);
      if (!sf) continue;
      if (!existsSync(abs)) {
        this.project.removeSourceFile(sf);
        this.texts.delete(abs);
        changed.push(abs);
        continue;
      }
      const text = readFileSync(abs, "utf8");
      if (text === sf.getFullText()) continue;
      sf.replaceWithText(text);
      this.texts.set(abs, text);
      changed.push(abs);
    }
    return changed;
  }

  /** Extracts every exported workflow of the given files and folders. */
  extract(paths: string[], exclude: string[] = []): Extraction {
    const { files, diagnostics } = this.collect(paths, exclude);
    const sources: string[] = [];
    for (const file of files) {
      let text: string;
      try {
        text = readFileSync(file, "utf8");
      } catch (err) {
        diagnostics.push(
          diagnostic(
            "WEFT040",
            `cannot read '${path.relative(this.root, file)}': ${(err as Error).message}`,
          ),
        );
        continue;
      }
      if (!IMPORTS_WEFT.test(text)) continue;
      const existing = this.project.getSourceFile(file);
      if (!existing) this.project.addSourceFileAtPath(file);
      else if (existing.getFullText() !== text) existing.replaceWithText(text);
      this.texts.set(file, text);
      sources.push(file);
    }
    // Imports of workflow files (helpers, types) may have changed on disk too: track them as
    // project files, so a change to a helper's types reaches the workflows that use it.
    this.project.resolveSourceFileDependencies();
    this.refreshDependencies(sources);
    const program = this.project.getProgram().compilerObject;
    const checker = program.getTypeChecker();
    const ctx = new ExtractContext(program, checker, this.root);
    const extractor = new WorkflowExtractor(ctx);
    const workflows: ExtractedWorkflow[] = [];
    for (const file of sources) {
      const sf = program.getSourceFile(file);
      if (!sf) continue;
      const syntax = program.getSyntacticDiagnostics(sf);
      if (syntax.length > 0) {
        for (const d of syntax) {
          const { line, character } = sf.getLineAndCharacterOfPosition(d.start ?? 0);
          diagnostics.push(
            diagnostic("WEFT040", ts.flattenDiagnosticMessageText(d.messageText, "\n"), {
              file: ctx.relPath(file),
              line: line + 1,
              column: character + 1,
            }),
          );
        }
        continue;
      }
      workflows.push(...extractor.extractFile(sf));
    }
    return { workflows, diagnostics: [...diagnostics, ...ctx.diagnostics], files: sources };
  }

  /** Source files the session reads from disk (workflow files and their imports, outside `node_modules`). */
  trackedFiles(): string[] {
    return this.project
      .getSourceFiles()
      .map((sf) => sf.getFilePath() as string)
      .filter((f) => !f.includes("/node_modules/"))
      .sort();
  }

  /** Re-reads non-workflow project files (already loaded as dependencies) that changed. */
  private refreshDependencies(workflowFiles: string[]): void {
    const own = new Set(workflowFiles);
    for (const sf of this.project.getSourceFiles()) {
      const file = sf.getFilePath();
      if (own.has(file) || file.includes("/node_modules/")) continue;
      if (!existsSync(file)) {
        this.project.removeSourceFile(sf);
        continue;
      }
      const known = this.texts.get(file);
      const text = readFileSync(file, "utf8");
      if (known === undefined) {
        this.texts.set(file, text);
        if (text !== sf.getFullText()) sf.replaceWithText(text);
      } else if (known !== text) {
        sf.replaceWithText(text);
        this.texts.set(file, text);
      }
    }
  }
}
