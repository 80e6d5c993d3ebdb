// The print-ready indicator report: the print button (no inline script under the policy).
import { startPage } from "./common.js";

document.getElementById("print-button").addEventListener("click", () => window.print());
startPage(null);
