-- Reserved for the training pipeline; filled by its issue. Empty until then.
SELECT 1;
