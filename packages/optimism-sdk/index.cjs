// Re-exports the Optimism SDK together with the ethers v5 it was built for, so that the
// root project (ethers v6) can use both without a peer-dependency conflict.
"use strict";
module.exports = { sdk: require("@eth-optimism/sdk"), ethers5: require("ethers").ethers };
