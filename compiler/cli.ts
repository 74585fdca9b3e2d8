/** Entry point of the `weft` command (bin/weft.js loads this with tsx). */
import { runCli } from "./cli/program.js";

process.exitCode = await runCli(process.argv);
