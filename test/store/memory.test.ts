import { memoryStore } from "../../src/run/store/index.js";
import { storeContract } from "./contract.js";

storeContract("memoryStore", () => memoryStore());
