window.YTD.tweets.part0 = [
  {
    "tweet" : {
      "edit_info" : { "initial" : { "editTweetIds" : [ "1790000000000000001" ], "editableUntil" : "2024-05-13T10:00:00.000Z", "editsRemaining" : "5", "isEditEligible" : true } },
      "retweeted" : false,
      "source" : "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
      "entities" : { "hashtags" : [ { "text" : "golang", "indices" : [ "60", "67" ] } ], "symbols" : [ ], "user_mentions" : [ ], "urls" : [ ] },
      "display_text_range" : [ "0", "67" ],
      "favorite_count" : "12",
      "id_str" : "1790000000000000001",
      "truncated" : false,
      "retweet_count" : "2",
      "id" : "1790000000000000001",
      "created_at" : "Mon May 13 09:00:00 +0000 2024",
      "favorited" : false,
      "full_text" : "Wrapped every error with the file name today. Future me says thanks. #golang",
      "lang" : "en"
    }
  },
  {
    "tweet" : {
      "retweeted" : false,
      "entities" : { "hashtags" : [ ], "user_mentions" : [ { "name" : "Someone", "screen_name" : "someone", "id_str" : "1" } ], "urls" : [ ] },
      "id_str" : "1790000000000000002",
      "id" : "1790000000000000002",
      "created_at" : "Tue May 14 09:00:00 +0000 2024",
      "full_text" : "RT @someone: a retweet is not my writing",
      "lang" : "en"
    }
  }
]
