#!/usr/bin/env node
// The installed `proxyrm` command. A committed file, so npm can link it before `prepare` has
// compiled src/dist; it only hands over to the compiled CLI.
"use strict";
const { main } = require("../dist/cli/main.js");
main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
