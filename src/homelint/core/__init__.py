"""The typed core (findings, spans, objects, the check Context) and building blocks that import nothing else of homelint."""
