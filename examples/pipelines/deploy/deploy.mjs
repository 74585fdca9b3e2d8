// Deploy ARTIFACT to TARGET; hands on the URL it is served at.
import { writeFileSync } from "node:fs";

const url = `https://${process.env.TARGET}.example.test/`;
console.log(`deployed ${process.env.ARTIFACT} to ${process.env.TARGET} at ${url}`);
writeFileSync(process.env.WEFT_OUTPUT, JSON.stringify({ url, target: process.env.TARGET }));
