/** @proxyrm/kernel: the notebook API (and, under kernel/, the Jupyter kernel that runs it). */
export { clearOutput, display, type MimeBundle } from "./display";
