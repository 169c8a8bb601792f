-- Reserved for the feature pipeline; filled by its issue. Empty until then.
SELECT 1;
