// How many recovery codes a set holds: methods/recovery-code.ts makes them, the pages say how many a person will get.
export const RECOVERY_CODE_COUNT = 10;
