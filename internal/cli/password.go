package cli

import (
	"fmt"
	"io"
	"os"

	"golang.org/x/term"
)

// terminal prompts for a secret without echoing it.
type terminal interface {
	ReadPassword(prompt string) (string, error)
}

// terminalOf returns the terminal standard input is, or nil when it is a
// pipe or a file (a script: it passes --password-stdin). Tests replace it.
var terminalOf = func(in io.Reader, prompts io.Writer) terminal {
	f, ok := in.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return ttyPrompt{f: f, out: prompts}
}

type ttyPrompt struct {
	f   *os.File
	out io.Writer
}

// ReadPassword turns echo off, writes prompt, reads the line
// (term.ReadPassword) and ends the line the user could not see end. Echo
// goes off before the prompt shows: what is typed as soon as it shows
// must not appear either.
func (t ttyPrompt) ReadPassword(prompt string) (string, error) {
	restore, err := echoOff(int(t.f.Fd()))
	if err != nil {
		return "", err
	}
	defer restore()
	fmt.Fprint(t.out, prompt)
	b, err := term.ReadPassword(int(t.f.Fd()))
	fmt.Fprintln(t.out)
	return string(b), err
}

// promptPassword asks for a new password twice on t.
func promptPassword(t terminal, name string) (string, error) {
	pw, err := t.ReadPassword(fmt.Sprintf("Password for %s (not shown): ", name))
	if err != nil {
		return "", fmt.Errorf("reading the password: %w", err)
	}
	if pw == "" {
		return "", usageErr("no password given")
	}
	again, err := t.ReadPassword("The same password again: ")
	if err != nil {
		return "", fmt.Errorf("reading the password: %w", err)
	}
	if again != pw {
		return "", usageErr("the two passwords differ; nothing was created")
	}
	return pw, nil
}
