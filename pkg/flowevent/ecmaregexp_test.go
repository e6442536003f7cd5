package flowevent

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// checkUnicodePattern checks that pattern is a valid ECMA-262 regular
// expression in Unicode mode — what JSON Schema validators such as Ajv
// compile a schema's "pattern" with (new RegExp(pattern, "u")). Unicode
// mode forbids what the web-compatibility grammar (Annex B) lets through:
// identity escapes of ordinary characters ("\-" outside a class), lone
// "{", "}" and "]", quantified lookarounds, class ranges with a class
// escape as an end, and back-references to groups that do not exist.
//
// Why hand-written: no ECMAScript engine from the Go module proxy applies
// these rules. dlclark/regexp2's ECMAScript mode and goja's RegExp with
// the "u" flag both accept "\-" (TestEnginesAcceptWhatAjvRejects keeps
// that measurement), which is how the escape reached the schema.
func checkUnicodePattern(pattern string) error {
	p := &reParser{src: []rune(pattern)}
	p.countGroups()
	if err := p.disjunction(); err != nil {
		return err
	}
	if p.pos < len(p.src) {
		return p.errorf("unmatched %q", p.src[p.pos])
	}
	for _, name := range p.refNames {
		if !p.names[name] {
			return fmt.Errorf("\\k<%s> names no group", name)
		}
	}
	return nil
}

type reParser struct {
	src      []rune
	pos      int
	groups   int             // capturing groups in the whole pattern
	names    map[string]bool // their names
	refNames []string        // names of \k<name> references
}

func (p *reParser) errorf(format string, args ...any) error {
	return fmt.Errorf("at %d: %s", p.pos, fmt.Sprintf(format, args...))
}

func (p *reParser) more() bool { return p.pos < len(p.src) }
func (p *reParser) peek() rune {
	if p.more() {
		return p.src[p.pos]
	}
	return -1
}
func (p *reParser) eat(r rune) bool {
	if p.peek() == r {
		p.pos++
		return true
	}
	return false
}

// countGroups counts capturing groups and their names ahead of parsing, as
// back-references may point forward.
func (p *reParser) countGroups() {
	p.names = map[string]bool{}
	inClass := false
	for i := 0; i < len(p.src); i++ {
		switch c := p.src[i]; {
		case c == '\\':
			i++
		case c == '[':
			inClass = true
		case c == ']':
			inClass = false
		case c == '(' && !inClass:
			rest := string(p.src[i+1:])
			switch {
			case !strings.HasPrefix(rest, "?"):
				p.groups++
			case strings.HasPrefix(rest, "?<") && !strings.HasPrefix(rest, "?<=") && !strings.HasPrefix(rest, "?<!"):
				p.groups++
				if name, _, ok := strings.Cut(rest[2:], ">"); ok {
					p.names[name] = true
				}
			}
		}
	}
}

func (p *reParser) disjunction() error {
	for {
		if err := p.alternative(); err != nil {
			return err
		}
		if !p.eat('|') {
			return nil
		}
	}
}

func (p *reParser) alternative() error {
	for p.more() && p.peek() != '|' && p.peek() != ')' {
		if err := p.term(); err != nil {
			return err
		}
	}
	return nil
}

func (p *reParser) term() error {
	switch c := p.peek(); c {
	case '^', '$':
		p.pos++
		return p.noQuantifier("an assertion")
	case '\\':
		if p.pos+1 < len(p.src) && (p.src[p.pos+1] == 'b' || p.src[p.pos+1] == 'B') {
			p.pos += 2
			return p.noQuantifier("an assertion")
		}
	case '(':
		rest := string(p.src[p.pos:])
		for _, look := range []string{"(?=", "(?!", "(?<=", "(?<!"} {
			if strings.HasPrefix(rest, look) {
				p.pos += utf8.RuneCountInString(look)
				if err := p.group(); err != nil {
					return err
				}
				return p.noQuantifier("a lookaround")
			}
		}
	}
	if err := p.atom(); err != nil {
		return err
	}
	return p.quantifier()
}

// noQuantifier refuses a quantifier after what cannot be quantified.
func (p *reParser) noQuantifier(what string) error {
	switch p.peek() {
	case '*', '+', '?', '{':
		return p.errorf("%s cannot be quantified", what)
	}
	return nil
}

func (p *reParser) group() error {
	if err := p.disjunction(); err != nil {
		return err
	}
	if !p.eat(')') {
		return p.errorf("unterminated group")
	}
	return nil
}

func (p *reParser) atom() error {
	switch c := p.peek(); c {
	case '.':
		p.pos++
		return nil
	case '\\':
		p.pos++
		return p.atomEscape()
	case '[':
		p.pos++
		return p.class()
	case '(':
		p.pos++
		switch {
		case p.eat('?'):
			switch {
			case p.eat(':'):
			case p.eat('<'):
				if err := p.groupName(); err != nil {
					return err
				}
			default:
				return p.errorf("invalid group")
			}
		}
		return p.group()
	case '*', '+', '?', '{':
		return p.errorf("nothing to repeat")
	case '}', ']':
		return p.errorf("lone %q (escape it)", c)
	case ')':
		return p.errorf("unmatched ')'")
	}
	p.pos++
	return nil
}

func (p *reParser) groupName() error {
	start := p.pos
	for p.more() && p.peek() != '>' {
		r := p.peek()
		if !(r == '_' || r == '$' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || p.pos > start && r >= '0' && r <= '9') {
			return p.errorf("invalid group name")
		}
		p.pos++
	}
	if p.pos == start || !p.eat('>') {
		return p.errorf("invalid group name")
	}
	return nil
}

func (p *reParser) quantifier() error {
	switch p.peek() {
	case '*', '+', '?':
		p.pos++
	case '{':
		p.pos++
		lo, ok := p.digits()
		if !ok {
			return p.errorf("lone '{' (escape it)")
		}
		hi := lo
		if p.eat(',') {
			hi = -1
			if n, ok := p.digits(); ok {
				hi = n
			}
		}
		if !p.eat('}') {
			return p.errorf("unterminated quantifier")
		}
		if hi >= 0 && hi < lo {
			return p.errorf("quantifier range out of order")
		}
	default:
		return nil
	}
	p.eat('?') // lazy
	return nil
}

func (p *reParser) digits() (int, bool) {
	start := p.pos
	for p.more() && p.peek() >= '0' && p.peek() <= '9' {
		p.pos++
	}
	if p.pos == start {
		return 0, false
	}
	n, err := strconv.Atoi(string(p.src[start:p.pos]))
	return n, err == nil
}

func (p *reParser) atomEscape() error {
	c := p.peek()
	switch {
	case c >= '1' && c <= '9':
		n, _ := p.digits()
		if n > p.groups {
			return p.errorf("\\%d refers to no group", n)
		}
		return nil
	case c == 'k':
		p.pos++
		if !p.eat('<') {
			return p.errorf("invalid \\k")
		}
		start := p.pos
		if err := p.groupName(); err != nil {
			return err
		}
		p.refNames = append(p.refNames, string(p.src[start:p.pos-1]))
		return nil
	}
	_, err := p.classOrCharEscape(false)
	return err
}

// classOrCharEscape reads the escape after a backslash: a character class
// escape (\d, \p{...}; isClass true) or a character escape. inClass
// allows \b (backspace) and \- .
func (p *reParser) classOrCharEscape(inClass bool) (isClass bool, err error) {
	if !p.more() {
		return false, p.errorf("\\ at end of pattern")
	}
	c := p.src[p.pos]
	p.pos++
	switch {
	case strings.ContainsRune("dDsSwW", c):
		return true, nil
	case c == 'p' || c == 'P':
		if !p.eat('{') {
			return true, p.errorf("invalid property escape")
		}
		start := p.pos
		for p.more() && p.peek() != '}' {
			r := p.peek()
			if !(r == '_' || r == '=' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
				return true, p.errorf("invalid property name")
			}
			p.pos++
		}
		if p.pos == start || !p.eat('}') {
			return true, p.errorf("invalid property escape")
		}
		return true, nil
	case strings.ContainsRune("fnrtv", c):
		return false, nil
	case c == 'c':
		if r := p.peek(); r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			p.pos++
			return false, nil
		}
		return false, p.errorf("invalid \\c")
	case c == '0':
		if r := p.peek(); r >= '0' && r <= '9' {
			return false, p.errorf("invalid decimal escape")
		}
		return false, nil
	case c == 'x':
		return false, p.hex(2)
	case c == 'u':
		if p.eat('{') {
			start := p.pos
			for p.more() && reIsHex(p.peek()) {
				p.pos++
			}
			v, err := strconv.ParseUint(string(p.src[start:p.pos]), 16, 32)
			if p.pos == start || err != nil || v > utf8.MaxRune || !p.eat('}') {
				return false, p.errorf("invalid \\u{...}")
			}
			return false, nil
		}
		return false, p.hex(4)
	case strings.ContainsRune(`^$\.*+?()[]{}|/`, c):
		return false, nil // identity escapes of syntax characters
	case inClass && (c == '-' || c == 'b'):
		return false, nil
	}
	return false, fmt.Errorf("at %d: invalid escape \\%c (Unicode mode escapes only syntax characters)", p.pos-2, c)
}

func (p *reParser) hex(n int) error {
	for range n {
		if !reIsHex(p.peek()) {
			return p.errorf("invalid hexadecimal escape")
		}
		p.pos++
	}
	return nil
}

func reIsHex(r rune) bool {
	return r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F'
}

// class reads a character class after its '['.
func (p *reParser) class() error {
	p.eat('^')
	for {
		if !p.more() {
			return p.errorf("unterminated character class")
		}
		if p.eat(']') {
			return nil
		}
		lo, loClass, err := p.classAtom()
		if err != nil {
			return err
		}
		if p.peek() != '-' || p.pos+1 >= len(p.src) || p.src[p.pos+1] == ']' {
			continue
		}
		p.pos++ // '-'
		hi, hiClass, err := p.classAtom()
		if err != nil {
			return err
		}
		if loClass || hiClass {
			return p.errorf("a class escape cannot end a range")
		}
		if lo > hi {
			return p.errorf("class range out of order")
		}
	}
}

// classAtom reads one class atom and returns its character (-1 for a
// class escape such as \d).
func (p *reParser) classAtom() (rune, bool, error) {
	c := p.src[p.pos]
	p.pos++
	if c != '\\' {
		return c, false, nil
	}
	start := p.pos
	isClass, err := p.classOrCharEscape(true)
	if err != nil || isClass {
		return -1, isClass, err
	}
	return escapedRune(string(p.src[start:p.pos])), false, nil
}

// escapedRune is the character a valid character escape (without its
// backslash) stands for.
func escapedRune(esc string) rune {
	switch esc[0] {
	case 'f':
		return '\f'
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	case 'v':
		return '\v'
	case 'b':
		return '\b'
	case '0':
		return 0
	case 'c':
		return rune(esc[1]) % 32
	case 'x', 'u':
		v, _ := strconv.ParseUint(strings.Trim(esc[1:], "{}"), 16, 32)
		return rune(v)
	}
	r, _ := utf8.DecodeRuneInString(esc)
	return r
}
