/** Keys (MISSION K1): identities, their public string form, ECIES. */
export * from './identity.ts'
export * from './public-key.ts'
export { seal, open, parseEnvelope, ECIES_VERSION, ECIES_SUITE_X25519_HKDF_SHA256_AES256GCM, ECIES_HEADER_BYTES, ECIES_OVERHEAD, ECIES_INFO, type EciesOptions } from './ecies.ts'
export { hkdfSha256 } from './hkdf.ts'
export { deriveHolderSecretKey, holderPublicKey, holderSigner, HOLDER_KEY_INFO } from './holder-key.ts'
export { deriveRepairSecretKey, fileRepairId, repairPublicKey, repairSigner, REPAIR_ID_INFO, REPAIR_KEY_INFO } from './repair-key.ts'
