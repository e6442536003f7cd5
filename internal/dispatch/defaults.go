package dispatch

// WithDefaults returns c with every zero field at its documented default,
// as New applies them (the start-up checks compare these with the
// topology).
func (c Config) WithDefaults() Config { return c.withDefaults() }
