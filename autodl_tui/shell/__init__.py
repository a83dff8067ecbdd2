"""Open a shell or a port forward on a container with the system's OpenSSH client. No Textual."""
