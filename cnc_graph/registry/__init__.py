"""The registration workflow: applications, their records and checks, the service, accounts."""
