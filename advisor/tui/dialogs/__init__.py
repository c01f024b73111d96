"""Modal dialogs shared by the screens: confirm, ask a path, pick a template, show detail."""
