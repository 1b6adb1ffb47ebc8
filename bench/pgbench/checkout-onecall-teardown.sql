-- Drops what checkout-onecall-setup.sql made (decision 145).
DROP SCHEMA pgbench_onecall CASCADE;
