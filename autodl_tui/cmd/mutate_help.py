"""The mutating subcommands' names and one-line helps (no imports: the parser reads them)."""

#: Subcommand -> one-line help.
MUTATE_HELP = {
    "scale": "set a deployment's replica count",
    "stop": "stop a deployment (every container shuts down)",
    "rm": "delete a deployment (stopped first); confirm by typing its name",
    "stop-container": "stop one container",
    "blacklist": "keep your containers off a container's host for a while",
}
