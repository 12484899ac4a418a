// verify-signatures.js REGISTRY NAME [tamper]
//
// Checks every version of a package the way npm 11 checks registry
// signatures (pacote lib/registry.js with verifySignatures, as
// lib/utils/verify-signatures.js asks for it; npm-protocol.md §8.2): keys
// from GET <registry>/-/npm/v1/keys (what npm falls back to for a registry
// that is not npmjs.org), the full packument, and for each version's
// dist.signatures: the key by keyid, its expiry against time[version],
// then crypto.createVerify('SHA256') over `${name}@${version}:${integrity}`
// with the key as PEM. With "tamper", each integrity is changed first.
//
// It also checks each version's publish attestation (keyed DSSE, as
// npm-protocol.md §8.3 describes npm's): the subject, and the envelope's
// signature over DSSE's PAE with the registry key the bundle names.
//
// Prints one line per check: "<version> sig <keyid> ok" or
// "<version> sig <npm error code>", "<version> attestation ok" or
// "<version> attestation <what failed>".
'use strict'
const crypto = require('crypto')

const [registry, name, mode] = process.argv.slice(2)

function pem (key) {
  return `-----BEGIN PUBLIC KEY-----\n${key}\n-----END PUBLIC KEY-----`
}

function pae (type, body) {
  return Buffer.concat([Buffer.from(`DSSEv1 ${Buffer.byteLength(type)} ${type} ${body.length} `), body])
}

async function getJSON (path) {
  const res = await fetch(new URL(path, registry), { headers: { accept: 'application/json' } })
  if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`)
  return res.json()
}

async function main () {
  const registryKeys = (await getJSON('-/npm/v1/keys')).keys.map(key => ({ ...key, pemkey: pem(key.key) }))
  const escaped = name.replace('/', '%2f')
  const packument = await getJSON(escaped)
  for (const [version, mani] of Object.entries(packument.versions)) {
    const id = `${name}@${version}` // pacote's mani._id
    let integrity = mani.dist.integrity
    if (mode === 'tamper') {
      const i = integrity.length - 5
      integrity = integrity.slice(0, i) + (integrity[i] === 'A' ? 'B' : 'A') + integrity.slice(i + 1)
    }
    const message = `${id}:${integrity}`
    const signatures = mani.dist.signatures || []
    if (signatures.length === 0) console.log(`${version} sig missing`)
    for (const signature of signatures) {
      const publicKey = registryKeys.filter(key => key.keyid === signature.keyid)[0]
      if (!publicKey) { console.log(`${version} sig EMISSINGSIGNATUREKEY`); continue }
      const publishedTime = Date.parse(packument.time[version] || 0)
      const validPublicKey = !publicKey.expires || publishedTime < Date.parse(publicKey.expires)
      if (!validPublicKey) { console.log(`${version} sig EEXPIREDSIGNATUREKEY`); continue }
      let valid
      try {
        const verifier = crypto.createVerify('SHA256')
        verifier.write(message)
        verifier.end()
        valid = verifier.verify(publicKey.pemkey, signature.sig, 'base64')
      } catch (er) {
        valid = false
      }
      console.log(`${version} sig ${valid ? signature.keyid + ' ok' : 'EINTEGRITYSIGNATURE'}`)
    }

    const { attestations } = await getJSON(`-/rampart/v1/attestations/${escaped}@${version}`)
    const publish = attestations.find(a => a.predicateType === 'https://github.com/npm/attestation/tree/main/specs/publish/v0.1')
    if (!publish) { console.log(`${version} attestation missing`); continue }
    const env = publish.bundle.dsseEnvelope
    const payload = Buffer.from(env.payload, 'base64')
    const statement = JSON.parse(payload)
    const purl = `pkg:npm/${name.replace(/^@/, '%40')}@${version}`
    const sha512 = Buffer.from(integrity.replace(/^sha512-/, ''), 'base64').toString('hex')
    if (statement.subject[0].name !== purl || statement.subject[0].digest.sha512 !== sha512) {
      console.log(`${version} attestation EATTESTATIONSUBJECT`)
      continue
    }
    const keyid = env.signatures[0].keyid
    const publicKey = registryKeys.filter(key => key.keyid === keyid)[0]
    if (!publicKey || publish.bundle.verificationMaterial.publicKey.hint !== keyid) {
      console.log(`${version} attestation EMISSINGSIGNATUREKEY`)
      continue
    }
    const ok = crypto.verify('sha256', pae(env.payloadType, payload), publicKey.pemkey, Buffer.from(env.signatures[0].sig, 'base64'))
    console.log(`${version} attestation ${ok ? 'ok' : 'EATTESTATIONVERIFY'}`)
  }
}

main().catch(err => { console.error(err); process.exit(1) })
