// Package event holds the typed, versioned payload of every event type
// (the core.Event* constants) and their one canonical encoding. The
// transparency log hashes these bytes, so the same payload must always
// give the same bytes, on every machine and in every release that keeps
// the type's schema number.
//
// # Building events
//
// Each type is a struct whose fields are the event's data. Its At method
// encodes it and fills a core.Event ready for the store:
//
//	tx.AppendEvent(event.Publish{Integrity: v.Integrity, Tag: tag, Token: key}.At(now, actor, name, version))
//	tx.AppendEvent(event.MFAAdd{User: u.Name, Method: "totp"}.At(now, u.Name))
//
// Types about a package take the package name and version; types about an
// account take only the time and the actor.
//
// # Public and personal parts
//
// A payload has two parts. The public part (core.Event.Data) is what a
// public transparency log may publish and hash. The personal part
// (core.Event.Personal) holds data about a person that such a log must
// leave out: email addresses (even masked), email domains, IP addresses
// and ranges, user agents, the names people give their keys and tokens,
// session handles and free text an administrator wrote about a user. A
// field is personal when its tag says so (`event:"ip,personal"`). A type
// without personal fields has no personal part (nil). The store keeps
// the two parts apart (see store.Events), so that personal data can be
// erased without touching what the log hashed.
//
// # The canonical encoding
//
// Each part is one JSON object (RFC 8259), written as follows; its output
// is a fixed point of JSON Canonicalization (RFC 8785, JCS), so any JCS
// implementation reproduces these bytes from the parsed value:
//
//   - Every field of the type's schema is present, always; there is no
//     omitempty. Keys are the field tags, lower-case ASCII, sorted by
//     byte value (for ASCII this is JCS's UTF-16 order). No whitespace
//     anywhere.
//   - Strings are UTF-8. Invalid UTF-8 in a Go string is replaced by
//     U+FFFD when encoding (so encoding never fails). Only '"', '\\' and
//     the controls U+0000..U+001F are escaped: \b \t \n \f \r in short
//     form, the other controls as \u00xx with lower-case hex. Everything
//     else, U+2028, U+2029 and '<', '>', '&' included, is written as is.
//   - Integers (counts) are decimal, with '-' for negatives, no '+', no
//     leading zeros, no fraction and no exponent. No field is a float: a
//     fractional setting (the critical top percent) is a decimal string
//     ("0.5"), the shortest that reads back as the same float64.
//   - Booleans are true and false.
//   - Lists (of strings) are arrays; an empty or nil list is [], and
//     decodes to nil.
//   - Times are strings in RFC 3339, UTC, with exactly three fraction
//     digits: "2026-12-05T18:04:05.123Z", truncated (not rounded) to the
//     millisecond, as the store keeps them. A zero time is null. Years
//     outside 0001..9999 are not representable and do not decode.
//
// Decoding (Decode, Parse) accepts exactly these bytes: it re-encodes
// what it read and refuses input that differs in any byte (another key
// order, whitespace, escapes, a missing or unknown key, a float, a
// duplicate key). So decode(encode(p)) == p for every payload whose
// strings are valid UTF-8, whose lists are nil or non-empty and whose
// times are UTC millisecond times, and encode(decode(b)) == b for every
// b that decodes.
//
// # Schema numbers
//
// Every type has a schema number (Schema), stored with each event
// (core.Event.Schema). It starts at 1. A change to a type's fields, tags
// or their meaning is a new schema number, and Decode keeps reading the
// old ones. A new schema only adds fields (registerOlder names the
// fields an old one had), so an old event decodes into today's type with
// the new fields at their zero values: owner.add, owner.remove, publish
// and critical are at schema 2, which added the personal facts of their
// notices. Schema 0 is the legacy form: events written before this
// package, whose Data is the untyped map the services wrote (public and
// personal data together, in encoding/json's form). Decode maps schema 0
// to the typed payload by key: today's field tags are those maps' keys
// (see legacy.go), so old events keep their meaning in the log.
//
// # Who causes a type
//
// Every type also says where it is registered whether the site's staff
// cause it (administrators, moderators, the console operator) or not:
// register(T{}, 1).by(Staff) or .by(Users) (class.go). The admin area
// lists the staff's actions by type from StaffTypes, and a test fails
// on a type registered without a class, so none can be forgotten.
package event
