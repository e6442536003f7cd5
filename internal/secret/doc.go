// Package secret resolves secret names, as Webhook nodes reference them, to
// their values, from a directory of files and from environment variables.
//
// # Scopes
//
// Every secret belongs to a scope: an account, or the operator (shared
// secrets). A node of account A resolves a name in A's scope only, and
// then among the shared secrets the operator granted to A (Config.Grants):
// one account can never read another account's secrets, nor an operator's
// secret it was not given.
//
// # Where values come from
//
// An account's secret <name>:
//
//   - the file Dir/<account>/<name>, when Config.Dir is set;
//   - the environment variable EnvPrefix + ACCOUNT + "__" + NAME, for
//     accounts whose id is lower-case letters and digits, optionally joined
//     by single hyphens ("acme", "shop-42"): ACCOUNT is the id upper-cased
//     with '-' replaced by '_', NAME the name mapped as below. Other account
//     ids (upper-case letters, underscores) have no environment form, since
//     upper-casing would let two accounts share a variable: they take
//     secrets from files only.
//
// A shared secret <name>:
//
//   - the file Dir/<name> (a regular file directly in Dir);
//   - the environment variable EnvPrefix + NAME, when NAME holds no "__"
//     (a variable with "__" belongs to an account).
//
// NAME is the name with ASCII letters upper-cased and '.' and '-' replaced
// by '_': "crm.api-key" is FLOWHOOK_SECRET_CRM_API_KEY (shared) and
// FLOWHOOK_SECRET_ACME__CRM_API_KEY (account acme) with the default prefix.
// Distinct names of one scope can share a variable ("a.b", "a-b", "A_B").
//
// Within a scope, files take precedence over environment variables, so a
// mounted secret can be rotated without a restart while the environment
// provides defaults. An account's own secret takes precedence over a
// granted shared secret of the same name.
//
// Names starting with "." are never secrets, which keeps hidden files and
// the Kubernetes "..data" machinery out; symbolic links are followed (a
// Kubernetes secret volume with items projected to "<account>/<name>"
// paths works as is); deeper directories are ignored.
//
// The environment is read once, by New. The directory is read by New and
// then polled by Run, which picks up changed, added and removed files,
// including Kubernetes' atomic swap of the ..data symbolic link.
//
// Values are never logged; logs carry counts and, for files that cannot be
// used, their paths within Dir.
package secret
