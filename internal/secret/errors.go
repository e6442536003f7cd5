package secret

import "errors"

// ErrInvalidConfig is wrapped by the errors New returns for a bad Config.
var ErrInvalidConfig = errors.New("secret: invalid config")

// errTooLarge reports a secret file larger than Config.MaxFileSize.
var errTooLarge = errors.New("secret: file larger than MaxFileSize")
