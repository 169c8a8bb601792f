-- Reserved for the datasets pipeline; filled by its issue. Empty until then.
SELECT 1;
