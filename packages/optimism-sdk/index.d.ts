export declare const sdk: typeof import("@eth-optimism/sdk");
export declare const ethers5: typeof import("ethers").ethers;
