// Preloaded into npm (NODE_OPTIONS=--require) by the provenance tests.
//
// `npm publish --provenance-file` checks the bundle itself before sending
// it (libnpmpublish verifyProvenance: subject name and digest, then
// sigstore.verify). sigstore.verify fetches Sigstore's public-good trusted
// root over TUF from tuf-repo-cdn.sigstore.dev, which cannot be reached
// here, and the tests' bundles come from a virtual Sigstore anyway. This
// shim changes only where that trusted root comes from: the file named by
// RAMPART_TEST_SIGSTORE_ROOT (the same trusted_root.json the registry is
// configured with), and, since the virtual Fulcio issues no signed
// certificate timestamps and the root names no CT log, asks for none.
// npm's own code does everything else: its subject checks, the bundle's
// signature, certificate chain and transparency-log verification, and the
// publish request.
'use strict'
const path = require('node:path')
const fs = require('node:fs')
const cli = process.argv[1] ? fs.realpathSync(process.argv[1]) : ''
if (path.basename(cli) === 'npm-cli.js') patch(path.join(path.dirname(path.dirname(cli)), 'node_modules'))

function patch (mods) {
  const tuf = require(path.join(mods, '@sigstore', 'tuf'))
  const { TrustedRoot } = require(path.join(mods, '@sigstore', 'protobuf-specs'))
  const sigstore = require(path.join(mods, 'sigstore', 'dist', 'sigstore.js'))

  tuf.getTrustedRoot = async () =>
    TrustedRoot.fromJSON(JSON.parse(fs.readFileSync(process.env.RAMPART_TEST_SIGSTORE_ROOT, 'utf8')))

  const verify = sigstore.verify
  sigstore.verify = (bundle, dataOrOptions, options) => {
    if (Buffer.isBuffer(dataOrOptions)) {
      return verify(bundle, dataOrOptions, { ...options, ctLogThreshold: 0 })
    }
    return verify(bundle, { ...dataOrOptions, ctLogThreshold: 0 })
  }
}
