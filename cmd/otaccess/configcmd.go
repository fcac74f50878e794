package main

import (
	"context"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/otaccess/otaccess/export"
	"github.com/otaccess/otaccess/ui"
)

// newCmdConfig is the config noun: what the config file may set.
func newCmdConfig(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "What config.toml may set: the terminal UI's [keys] and [theme]",
		Args:  cobra.ArbitraryArgs,
		RunE:  groupRun,
	}
	cmd.AddCommand(newCmdConfigKeys(a, nil), newCmdConfigTheme(a, nil))
	return cmd
}

type configKeysOptions struct {
	*app
	Output outputFlags
}

func newCmdConfigKeys(a *app, runF func(context.Context, *configKeysOptions) error) *cobra.Command {
	o := &configKeysOptions{app: a}
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "List the terminal UI's actions, their default keys and the keys the config file gives them",
		Long: `Every action of the terminal UI that [keys] in config.toml may rebind: its
name, its default keys, its keys now ("=" when the config file's [keys]
leaves the defaults), what it does and where it works. For example:

  [keys]
  filter = "f"
  deprovision = ["X"]
  quit = ["q", "ctrl+c"]

A key is a character ("/", "D") or a name (enter, esc, tab, space,
backspace, delete, insert, home, end, pgup, pgdown, up, down, left, right,
f1-f24), optionally after ctrl+, alt+ or shift+. A key another action of
the same screen has is an error, as is an unknown action or key name.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return configKeysRun(o)
		},
	}
	o.Output.add(cmd, false)
	return cmd
}

type actionJSON struct {
	Action   string   `json:"action"`
	Keys     []string `json:"keys"`
	Defaults []string `json:"defaults"`
	Where    []string `json:"where"`
	Does     string   `json:"does"`
}

func configKeysRun(o *configKeysOptions) error {
	keys, _, err := o.look()
	if err != nil {
		return err
	}
	now, defaults := keys.Actions(), ui.DefaultKeyMap().Actions()
	if o.Output.json {
		out := make([]actionJSON, len(now))
		for i, a := range now {
			out[i] = actionJSON{Action: a.Name, Keys: a.Binding.Keys(), Defaults: defaults[i].Binding.Keys(), Where: a.Where, Does: a.Binding.Help().Desc}
		}
		return export.WriteJSON(o.io.Out, out)
	}
	t := newTable(o.io.Out, "ACTION", "DEFAULT", "NOW", "WHAT", "WHERE")
	for i, a := range now {
		def := strings.Join(defaults[i].Binding.Keys(), " ")
		cur := strings.Join(a.Binding.Keys(), " ")
		if slices.Equal(a.Binding.Keys(), defaults[i].Binding.Keys()) {
			cur = "="
		}
		t.row(a.Name, def, cur, a.Binding.Help().Desc, strings.Join(a.Where, ", "))
	}
	return t.flush()
}

func newCmdConfigTheme(a *app, runF func(context.Context, *configKeysOptions) error) *cobra.Command {
	o := &configKeysOptions{app: a}
	cmd := &cobra.Command{
		Use:   "theme",
		Short: "List the colors [theme] in config.toml may set, and their defaults",
		Long: `The terminal UI's colors by name, for [theme] in config.toml, e.g.

  [theme]
  accent = "#5fafff"
  warning = 214

A color is "#rrggbb", "#rgb" or an ANSI color number 0-255 (the defaults are
ANSI colors 0-15, which follow the terminal's own palette). NO_COLOR still
turns every color off.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			if _, _, err := o.look(); err != nil {
				return err
			}
			t := newTable(o.io.Out, "COLOR", "DEFAULT", "NOW", "COLORS")
			now := map[string]string{}
			f, err := o.loadConfig()
			if err != nil {
				return err
			}
			for _, s := range f.ThemeSettings() {
				now[s.Name] = s.Values[0]
			}
			for _, c := range ui.ThemeColors() {
				cur := now[c.Name]
				if cur == "" {
					cur = "="
				}
				t.row(c.Name, c.Default, cur, c.Use)
			}
			return t.flush()
		},
	}
	return cmd
}
