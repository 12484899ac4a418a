// Reads a tarball the way npm install does and prints, as JSON, what
// node-tar lists and what pacote (npm's fetcher) extracts. npmpkg's
// oracle test runs it as: NPM_ROOT=$(npm root -g) node nodetar-oracle.js TGZ DEST
// with DEST an empty folder.
const path = require('path')
const fs = require('fs')
const root = process.env.NPM_ROOT
const tar = require(path.join(root, 'npm/node_modules/tar'))
const pacote = require(path.join(root, 'npm/node_modules/pacote'))

const [file, dest] = process.argv.slice(2)
const pkg = path.join(dest, 'pkg')
const res = { entries: [], files: [], packageJSON: null, error: '' }
const done = () => process.stdout.write(JSON.stringify(res))

// Regular files under dir, relative, sorted.
const walk = (dir, rel = '') => fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap(d => {
  const r = rel ? rel + '/' + d.name : d.name
  return d.isDirectory() ? walk(dir, r) : d.isFile() ? [r] : []
})

// Some archives crash node-tar outright (a NUL in a name reaches fs):
// report what was listed so far and the crash.
process.on('uncaughtException', e => {
  res.error = 'node crashed: ' + String((e && e.message) || e)
  done()
  process.exit(0)
})

const main = async () => {
  try {
    await tar.t({ file, onReadEntry: e => res.entries.push({ path: e.path, type: e.type, size: e.size }) })
    await pacote.extract('file:' + path.resolve(file), pkg, { cache: path.join(dest, 'cache') })
    res.files = walk(pkg).sort()
    const pj = path.join(pkg, 'package.json')
    if (fs.existsSync(pj)) res.packageJSON = fs.readFileSync(pj).toString('base64')
  } catch (e) {
    res.error = String((e && e.message) || e)
  }
  done()
}
main()
