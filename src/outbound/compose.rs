//! The Indonesian mails sertel sends: acknowledgements, what is missing, duplicates, notices to the Kadis and verifiers.
