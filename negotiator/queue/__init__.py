"""Submit description files read as condor_submit reads them, into the job ads it makes."""
