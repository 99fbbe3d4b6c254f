// tls-server-end-point channel binding data (RFC 5929 §4.1): the hash of the server's DER
// certificate, with the certificate's signature hash algorithm, SHA-256 when that is MD5 or
// SHA-1. SCRAM-SHA-256-PLUS binds the authentication to this TLS connection with it.

import { createHash, X509Certificate } from "node:crypto";
import type { ChannelBinding } from "./scram.ts";

/** Signature algorithm OID → digest for channel binding. */
const digestBySignatureOid: ReadonlyMap<string, string> = new Map([
  ["1.2.840.113549.1.1.4", "sha256"], // md5WithRSAEncryption → SHA-256 per RFC 5929
  ["1.2.840.113549.1.1.5", "sha256"], // sha1WithRSAEncryption → SHA-256
  ["1.2.840.113549.1.1.11", "sha256"],
  ["1.2.840.113549.1.1.12", "sha384"],
  ["1.2.840.113549.1.1.13", "sha512"],
  ["1.2.840.113549.1.1.14", "sha224"],
  ["1.2.840.10045.4.1", "sha256"], // ecdsa-with-SHA1 → SHA-256
  ["1.2.840.10045.4.3.1", "sha224"],
  ["1.2.840.10045.4.3.2", "sha256"],
  ["1.2.840.10045.4.3.3", "sha384"],
  ["1.2.840.10045.4.3.4", "sha512"],
  ["1.3.101.112", "sha512"], // Ed25519, as OpenSSL (and so PostgreSQL) reports it
]);

/**
 * Channel binding data for the server certificate (PEM; the first certificate of a chain),
 * or null when its signature algorithm has no defined hash here (then -PLUS is not offered).
 */
export function tlsServerEndPoint(certificatePem: string): ChannelBinding | null {
  const certificate = new X509Certificate(certificatePem);
  const digest = digestBySignatureOid.get(certificate.signatureAlgorithmOid);
  if (digest === undefined) return null;
  return { type: "tls-server-end-point", data: createHash(digest).update(certificate.raw).digest() };
}
