// Package secret resolves secret names (as referenced by Webhook nodes) to
// their values, from environment variables and from a directory of files.
//
// # Names
//
// A secret name maps to:
//
//   - the file Dir/<name>, when Config.Dir is set: the file's content with
//     one trailing line ending ("\n" or "\r\n") removed. Names starting
//     with "." are never secrets, which keeps hidden files and the
//     Kubernetes "..data" machinery out; subdirectories are ignored and
//     symbolic links are followed.
//   - the environment variable EnvPrefix + NAME, where NAME is the name with
//     ASCII letters upper-cased and '.' and '-' replaced by '_':
//     "crm.api-key" is FLOWHOOK_SECRET_CRM_API_KEY with the default prefix.
//     Distinct names can share a variable ("a.b", "a-b" and "A_B").
//
// Files take precedence over environment variables: a secret present in both
// resolves to the file's value, so a mounted secret can be rotated without a
// restart while the environment provides defaults.
//
// The environment is read once, by New. The directory is read by New and
// then polled by Run, which picks up changed, added and removed files,
// including Kubernetes' atomic swap of the ..data symbolic link.
//
// Values are never logged; logs carry counts and, for files that cannot be
// used, their names.
package secret
