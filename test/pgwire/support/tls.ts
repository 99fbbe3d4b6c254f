// A self-signed certificate for localhost / 127.0.0.1 (ECDSA P-256, valid until 2126), for
// TLS tests only. Its private key is public by being here: never use it for anything else.

const cert = `
-----BEGIN CERTIFICATE-----
MIIBmjCCAUGgAwIBAgIUS3KtSLnRPqqWZwjc0mTGoADiyXgwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEyNDA1MTMyMFoYDzIxMjYxMDMx
MDUxMzIwWjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAAR8pma5vlmu5IXy6+Xf3TICkG+0Vk24N2q+W/EnoFoGdh0jMBE20NKm
l6GZIbewNGp8JWLGMwtvjkwbYXeqEdhzo28wbTAdBgNVHQ4EFgQU2oHE7qizVEqD
6HqX194Q1Q4QhAAwHwYDVR0jBBgwFoAU2oHE7qizVEqD6HqX194Q1Q4QhAAwDwYD
VR0TAQH/BAUwAwEB/zAaBgNVHREEEzARgglsb2NhbGhvc3SHBH8AAAEwCgYIKoZI
zj0EAwIDRwAwRAIgRoS6vij1Lf3WNyn07dkmmQvNgHQvT9Ylfk5swSRNfsICIC+C
go2TZBexzL+Ql+0y6fNkQvsKq95Tevd/7m8GcE2k
-----END CERTIFICATE-----
`.trim();

const key = `
-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgDKhd53AwM10eOkhD
k9TVNmnNtlppXIa+9nG3PVnHzkihRANCAAR8pma5vlmu5IXy6+Xf3TICkG+0Vk24
N2q+W/EnoFoGdh0jMBE20NKml6GZIbewNGp8JWLGMwtvjkwbYXeqEdhz
-----END PRIVATE KEY-----
`.trim();

export function testCertificate(): { cert: string; key: string } {
  return { cert, key };
}
